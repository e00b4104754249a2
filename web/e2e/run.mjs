// End-to-end tests of the web UI: the real `reflector serve` (REFLECTOR_BINARY), the fake Daily and
// Whereby APIs (REFLECTOR_FAKE_PROVIDERS), Debian's Chromium. Registered in CTest as web_e2e.
// Screenshots go to REFLECTOR_SCREENSHOTS when set; figures to stdout.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  apiClient,
  launchBrowser,
  makeSpeechWav,
  startFakeProviders,
  startServer,
  SPOKEN_SENTENCE,
  speechWindowSeconds,
  stopAll,
} from './harness.mjs';

const BINARY = process.env.REFLECTOR_BINARY ?? '../build/reflector';
const FAKES = process.env.REFLECTOR_FAKE_PROVIDERS ?? '../build/web/fake_providers';
const SHOTS = process.env.REFLECTOR_SCREENSHOTS;
const TIMEOUT = 20_000;

let server;
let api;
let browser;
let recordSeconds;
const consoleErrors = [];
// What the "done when" case produced, for the search case after it.
const doneWhen = { transcriptId: null, word: null };

function watchConsole(page, label) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${label}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${label}: ${error.message}`));
}

// Content-Security-Policy violations of every page and frame (reported by the browser's
// securitypolicyviolation event, which fires for each blocked load or inline script).
const cspViolations = [];

async function newPage(label, options = {}) {
  const context = await browser.newContext({ baseURL: server.base, ...options });
  await context.exposeBinding('__cspViolation', ({ frame }, v) =>
    cspViolations.push({ page: label ?? 'unlabelled', frame: frame.url(), ...v }),
  );
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile }),
    ),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  if (label) watchConsole(page, label);
  return { context, page };
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function createRoom(body) {
  const created = await api.post('/v1/rooms', body);
  assert.equal(created.status, 200, JSON.stringify(created.json));
  return created.json;
}

async function meetingOf(roomName) {
  const meeting = await api.post(`/v1/rooms/${roomName}/meeting`, { allow_duplicated: false });
  assert.equal(meeting.status, 200, JSON.stringify(meeting.json));
  return meeting.json;
}

before(async () => {
  const speech = makeSpeechWav();
  recordSeconds = speechWindowSeconds(speech);
  const fakes = await startFakeProviders(FAKES);
  server = await startServer(BINARY, {
    DAILY_API_KEY: fakes.dailyKey,
    DAILY_API_URL: fakes.dailyUrl,
    WHEREBY_API_KEY: fakes.wherebyKey,
    WHEREBY_API_URL: fakes.wherebyUrl,
    // Whereby cloud recording needs a bucket to hand to Whereby (never used by these tests).
    WHEREBY_STORAGE_AWS_BUCKET_NAME: 'e2e-whereby-bucket',
    WHEREBY_STORAGE_AWS_REGION: 'us-east-1',
    WHEREBY_STORAGE_AWS_ACCESS_KEY_ID: 'e2e-key-id',
    WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY: 'e2e-secret',
  });
  api = apiClient(server.base);
  browser = await launchBrowser(speech.wav);
});

after(async () => {
  await browser?.close();
  await stopAll();
});

test('the binary serves the app: gzip, immutable assets, SPA fallback, API 404s kept', async () => {
  const index = await fetch(`${server.base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-encoding'), 'gzip');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.ok(index.headers.get('vary').split(/,\s*/).includes('Accept-Encoding'), index.headers.get('vary'));
  const html = await index.text();
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  assert.ok(script, html);
  const asset = await fetch(`${server.base}${script}`);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(asset.headers.get('content-type'), /^text\/javascript/);
  const etag = asset.headers.get('etag');
  assert.equal((await fetch(`${server.base}${script}`, { headers: { 'If-None-Match': etag } })).status, 304);
  const app = await fetch(`${server.base}/some-room/some-meeting`);
  assert.equal(app.status, 200);
  assert.match(await app.text(), /<div id="root">/);
  for (const path of ['/v1/nothing', '/openapi.json/x', '/mock/a/b', '/assets/nope.js']) {
    const miss = await fetch(`${server.base}${path}`);
    assert.equal(miss.status, 404, path);
    assert.deepEqual(await miss.json(), { detail: 'Not Found' }, path);
  }
  assert.equal((await fetch(`${server.base}/health`)).status, 200);
});

test('security headers: the CSP is sent and enforced, the app runs under it', async () => {
  for (const path of ['/', '/rooms', '/some-room']) {
    const answer = await fetch(`${server.base}${path}`);
    const csp = answer.headers.get('content-security-policy');
    assert.match(csp, /^default-src 'none'; script-src 'self'; /, path);
    assert.match(csp, /frame-src https:\/\/\*\.daily\.co https:\/\/whereby\.com https:\/\/\*\.whereby\.com;/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('x-frame-options'), 'DENY');
  }
  const html = await (await fetch(`${server.base}/`)).text();
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
  assert.match((await fetch(`${server.base}${script}`)).headers.get('content-security-policy'), /^default-src 'none'/);

  // Enforced: an injected inline script does not run, a frame from elsewhere is refused, and each
  // is reported (so the suite's last case would see any violation the app itself caused).
  const { context, page } = await newPage(null);
  await page.goto('/rooms');
  await page.getByRole('heading', { name: 'Rooms' }).waitFor();
  const before = cspViolations.length;
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.append(s);
    const f = document.createElement('iframe');
    f.src = 'https://example.com/';
    document.body.append(f);
    return window.__injected === true;
  });
  assert.equal(ran, false);
  const deadline = Date.now() + TIMEOUT;
  while (cspViolations.length < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const seen = cspViolations.splice(before).map((v) => `${v.directive} ${v.blocked}`).sort();
  assert.deepEqual(seen, ['frame-src https://example.com', 'script-src-elem inline']);
  await context.close();
});

test('rooms: create, edit and delete through the UI', async () => {
  const { context, page } = await newPage('rooms');
  await page.goto('/rooms');
  await page.getByRole('heading', { name: 'Rooms' }).waitFor();
  await shot(page, 'rooms-empty');

  await page.getByRole('button', { name: 'New room' }).click();
  const form = page.getByRole('form', { name: 'New room' });
  // Reserved names are refused before anything is sent.
  await form.getByLabel('Room name').fill('Rooms');
  await form.getByRole('button', { name: 'Create room' }).click();
  await form.getByText('"rooms" is reserved, choose another name').waitFor();

  await form.getByLabel('Room name').fill('Team Standup!');
  assert.equal(await form.getByLabel('Room name').inputValue(), 'team-standup');
  const platforms = await form.getByLabel('Platform').locator('option').allTextContents();
  assert.deepEqual(platforms.sort(), ['daily', 'mock', 'whereby']);
  // Daily forces group mode and the trigger.
  await form.getByLabel('Platform').selectOption('daily');
  assert.equal(await form.getByLabel('Room mode').inputValue(), 'group');
  assert.equal(await form.getByLabel('Recording trigger').inputValue(), 'automatic-2nd-participant');
  assert.equal(await form.getByLabel('Room mode').isDisabled(), true);
  await form.getByLabel('Recording type').selectOption('local');
  assert.equal(await form.getByLabel('Recording trigger').inputValue(), 'none');
  await form.getByLabel('Platform').selectOption('mock');
  await form.getByLabel('Recording type').selectOption('none');
  await form.getByLabel('Webhook URL').fill('https://example.com/hook');
  await shot(page, 'rooms-new-room-form');
  await form.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('link', { name: 'team-standup' }).waitFor();

  let stored = await api.get('/v1/rooms/name/team-standup');
  assert.equal(stored.status, 200);
  assert.equal(stored.json.platform, 'mock');
  assert.equal(stored.json.webhook_url, 'https://example.com/hook');
  assert.equal(stored.json.is_locked, false);

  // A duplicate name shows the server's message.
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('form', { name: 'New room' }).getByLabel('Room name').fill('team-standup');
  await page.getByRole('form', { name: 'New room' }).getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('alert').filter({ hasText: 'Room name is not unique' }).waitFor();
  // Chromium logs the refused request itself; that one is expected here, nothing else.
  const conflict = consoleErrors.findIndex((m) => m.startsWith('rooms: ') && m.includes('status of 409'));
  assert.notEqual(conflict, -1, consoleErrors.join('\n'));
  consoleErrors.splice(conflict, 1);
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Edit team-standup' }).click();
  const edit = page.getByRole('form', { name: 'Edit room team-standup' });
  await edit.getByLabel('Locked').check();
  await edit.getByLabel('Skip the recording consent dialog').check();
  await edit.getByRole('button', { name: 'Save room' }).click();
  await edit.waitFor({ state: 'detached' });
  await page.getByText('locked', { exact: false }).first().waitFor();
  stored = await api.get('/v1/rooms/name/team-standup');
  assert.equal(stored.json.is_locked, true);
  assert.equal(stored.json.skip_consent, true);
  await shot(page, 'rooms-list');

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete team-standup' }).click();
  await page.getByRole('link', { name: 'team-standup' }).waitFor({ state: 'detached' });
  assert.equal((await api.get('/v1/rooms/name/team-standup')).status, 404);
  await context.close();
});

test('room page: unknown room says so', async () => {
  const { context, page } = await newPage(null);
  await page.goto('/no-such-room');
  await page.getByRole('heading', { name: 'Room not found' }).waitFor();
  await context.close();
});

test('mock call: two browsers see the count go 1 → 2 → 1 without reloading', async () => {
  await createRoom({ name: 'mock-call', platform: 'mock', recording_type: 'none' });
  const a = await newPage('mock-call A');
  const b = await newPage('mock-call B');
  await a.page.goto('/mock-call');
  await b.page.goto('/mock-call');
  const count = (page) => page.getByTestId('participant-count');
  await count(a.page).filter({ hasText: '0 participants in the call' }).waitFor();

  await a.page.getByLabel('Your name').fill('Alice');
  await a.page.getByRole('button', { name: 'Join call' }).click();
  await a.page.getByText('You are in the call.').waitFor();
  await count(a.page).filter({ hasText: '1 participant in the call' }).waitFor();
  await count(b.page).filter({ hasText: '1 participant in the call' }).waitFor();

  await b.page.getByLabel('Your name').fill('Bob');
  await b.page.getByRole('button', { name: 'Join call' }).click();
  await count(a.page).filter({ hasText: '2 participants in the call' }).waitFor();
  await count(b.page).filter({ hasText: '2 participants in the call' }).waitFor();
  const names = await a.page.getByRole('list', { name: 'Participants in the call' }).getByRole('listitem').allTextContents();
  assert.deepEqual(names.sort(), ['Alice', 'Bob']);
  await shot(b.page, 'mock-room-two-participants');

  await a.page.getByRole('button', { name: 'Leave call' }).click();
  await count(a.page).filter({ hasText: '1 participant in the call' }).waitFor();
  await count(b.page).filter({ hasText: '1 participant in the call' }).waitFor();

  // The events went through the signed receiver: the meeting's num_clients follows them.
  const meeting = await meetingOf('mock-call');
  assert.equal(meeting.num_clients, 1);

  // Closing Bob's tab leaves through sendBeacon.
  await b.page.close({ runBeforeUnload: true });
  const deadline = Date.now() + TIMEOUT;
  let open = null;
  while (Date.now() < deadline) {
    open = await api.get(`/v1/meetings/${meeting.id}/participants`);
    if (open.json.count === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(open.json.count, 0, JSON.stringify(open.json));

  // Leaving the page inside the app leaves the call too.
  await a.page.getByRole('button', { name: 'Join call' }).click();
  await count(a.page).filter({ hasText: '1 participant in the call' }).waitFor();
  await a.page.getByRole('link', { name: 'All rooms' }).click();
  await a.page.getByRole('heading', { name: 'Rooms' }).waitFor();
  const until = Date.now() + TIMEOUT;
  do {
    open = await api.get(`/v1/meetings/${meeting.id}/participants`);
    if (open.json.count === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < until);
  assert.equal(open.json.count, 0, JSON.stringify(open.json));
  await a.context.close();
  await b.context.close();
});

// The "Done when" path, all through the UI: a room made in the editor, the mock call
// joined from two browsers, a spoken sentence recorded from the fake microphone, transcribed by
// the embedded pocketsphinx (the server's default TRANSCRIPT_BACKEND), then found under
// /transcripts with its page: title, status, speakers, timed segments, audio + waveform, WebVTT.
test('done when: create a room, two join, record a sentence, read its transcript', async () => {
  const a = await newPage('done-when A');
  const b = await newPage('done-when B');
  await a.page.goto('/');
  await a.page.getByRole('button', { name: 'New room' }).click();
  const form = a.page.getByRole('form', { name: 'New room' });
  await form.getByLabel('Room name').fill('Done When');
  await form.getByLabel('Platform').selectOption('mock');
  await form.getByLabel('Recording type').selectOption('none');
  await form.getByRole('button', { name: 'Create room' }).click();
  await a.page.getByRole('link', { name: 'done-when' }).click();
  await a.page.getByRole('heading', { name: 'done-when' }).waitFor();

  await a.page.getByLabel('Your name').fill('Alice');
  await a.page.getByRole('button', { name: 'Join call' }).click();
  await b.page.goto('/done-when');
  await b.page.getByLabel('Your name').fill('Bob');
  await b.page.getByRole('button', { name: 'Join call' }).click();
  for (const { page } of [a, b]) {
    await page.getByTestId('participant-count').filter({ hasText: '2 participants in the call' }).waitFor();
  }

  // The whole sentence: record until the page's own clock shows the speech window.
  await a.page.getByRole('button', { name: 'Record' }).click();
  const until = `0:${String(recordSeconds).padStart(2, '0')}`;
  await a.page.getByTestId('recording-elapsed').filter({ hasText: until }).waitFor();
  await a.page.getByRole('button', { name: 'Stop recording' }).click();
  await a.page.getByRole('status').filter({ hasText: 'Recording uploaded (recording ' }).waitFor();
  await b.page.getByRole('button', { name: 'Leave call' }).click();
  await a.page.getByTestId('participant-count').filter({ hasText: '1 participant in the call' }).waitFor();
  await b.context.close();

  // /transcripts polls while a transcript is unfinished: the row turns `ended` without a reload.
  await a.page.getByRole('link', { name: 'All rooms' }).click();
  await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Transcripts' }).click();
  const row = a.page.getByRole('list', { name: 'Transcripts' }).getByRole('listitem').filter({ hasText: 'Meeting in done-when' });
  await row.getByTestId('transcript-status').filter({ hasText: /^ended$/ }).waitFor({ timeout: 90_000 });
  await row.getByRole('link').click();

  const page = a.page;
  await page.getByRole('heading', { level: 1, name: /^Meeting in done-when/ }).waitFor();
  assert.equal(await page.getByTestId('transcript-status').textContent(), 'ended');
  assert.equal(await page.getByTestId('speakers').textContent(), 'Speakers: Speaker 1');
  const segments = page.getByRole('list', { name: 'Transcript' }).getByRole('listitem');
  await segments.first().waitFor();
  const lines = await segments.allTextContents();
  for (const line of lines) assert.match(line, /^\d+:\d\d Speaker 1: \S/, JSON.stringify(lines));
  const spoken = lines.map((l) => l.replace(/^\d+:\d\d Speaker 1: /, '')).join(' ');
  console.log(`done when: transcribed "${spoken}"`);
  // The recogniser is weak on synthetic speech (bench/wer.sh): ask for one word of the sentence.
  const heard = spoken.split(/\s+/).filter((w) => w.length >= 4 && SPOKEN_SENTENCE.split(' ').includes(w));
  assert.ok(heard.length > 0, `"${spoken}" has no word of "${SPOKEN_SENTENCE}"`);
  const transcriptId = page.url().split('/').pop();
  const audio = page.locator(`audio[src="/v1/transcripts/${transcriptId}/audio/mp3"]`);
  await audio.waitFor({ state: 'attached' });
  const mp3 = await page.request.get(`/v1/transcripts/${transcriptId}/audio/mp3`);
  assert.equal(mp3.status(), 200);
  assert.equal(mp3.headers()['content-type'], 'audio/mpeg');
  assert.ok((await mp3.body()).length > 1000);
  // The waveform is drawn: some pixel of the canvas is not transparent.
  const waveform = page.getByRole('img', { name: 'Audio waveform' });
  await waveform.waitFor();
  const painted = await waveform.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(painted > 100, `${painted} painted pixels`);
  // A click on the waveform's middle plays from the middle of the recording.
  const box = await waveform.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction((src) => {
    const el = document.querySelector(`audio[src="${src}"]`);
    return el && !el.paused && el.currentTime >= 1;
  }, `/v1/transcripts/${transcriptId}/audio/mp3`);
  await audio.evaluate((el) => el.pause());
  await shot(page, 'transcript-page');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download WebVTT' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `transcript-${transcriptId}.vtt`);
  const vtt = readFileSync(await download.path(), 'utf8');
  assert.match(vtt, /^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n<v Speaker 1>\S/);
  const firstText = lines[0].replace(/^\d+:\d\d Speaker 1: /, '');
  assert.ok(vtt.includes(`<v Speaker 1>${firstText}`), `${vtt}\nvs ${firstText}`);
  doneWhen.transcriptId = transcriptId;
  doneWhen.word = heard[0];
  await a.context.close();
});

// Full-text search (reference §5.5) from the search box: a word the recogniser heard in the
// "done when" recording finds that transcript, and the snippet marks the word.
test('transcripts search: a spoken word is found, its snippet highlighted', async () => {
  assert.ok(doneWhen.transcriptId && doneWhen.word, 'needs the "done when" case before it');
  const { context, page } = await newPage('search');
  await page.goto('/transcripts');
  await page.getByRole('searchbox', { name: 'Search transcripts' }).fill(doneWhen.word);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('status').filter({ hasText: `for “${doneWhen.word}”` }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('q'), doneWhen.word);
  const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  const hit = results.filter({ has: page.locator(`a[href="/transcripts/${doneWhen.transcriptId}"]`) });
  await hit.waitFor();
  const marks = await hit.locator('.snippet mark').allTextContents();
  assert.ok(marks.length > 0, await hit.innerHTML());
  for (const m of marks) assert.equal(m.toLowerCase(), doneWhen.word);
  assert.match(await hit.textContent(), /\d+ match(es)?/);
  await shot(page, 'transcripts-search');

  // The query is in the address: a reload shows the same results.
  await page.reload();
  await hit.locator('.snippet mark').first().waitFor();
  // A word nobody said finds nothing, and says so.
  await page.getByRole('searchbox', { name: 'Search transcripts' }).fill('xylophone');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('status').filter({ hasText: '0 results for “xylophone”' }).waitFor();
  await page.getByText('No transcript matches these words.').waitFor();
  // The result opens the transcript page.
  await page.goBack();
  await hit.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /^Meeting in done-when/ }).waitFor();
  await context.close();
});

test('mock call: Record uploads the microphone with progress', async () => {
  await createRoom({ name: 'mock-record', platform: 'mock', recording_type: 'none' });
  const meeting = await meetingOf('mock-record');
  const { context, page } = await newPage('mock-record');
  await page.goto('/mock-record');
  await page.getByRole('button', { name: 'Record' }).click();
  await page.getByText('Recording the microphone…').waitFor();
  // Two seconds of the fake microphone by the page's own recording clock.
  await page.getByTestId('recording-elapsed').filter({ hasText: '0:02' }).waitFor();
  // Every value the upload progress bar shows, from its first appearance.
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const bar = document.querySelector('progress');
      if (bar) window.__progress.push(Number(bar.value));
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const upload = page.waitForRequest((r) => r.url().endsWith('/v1/mock/rooms/mock-record/recording'));
  await page.getByRole('button', { name: 'Stop recording' }).click();
  const request = await upload;
  assert.equal(request.method(), 'POST');
  assert.match(request.headers()['content-type'], /^audio\/webm/);
  const uploaded = page.getByRole('status').filter({ hasText: 'Recording uploaded' });
  await uploaded.waitFor();
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(progress.length > 0 && progress.every((v) => v >= 0 && v <= 1), JSON.stringify(progress));
  await shot(page, 'mock-room-recording-uploaded');
  const recordingId = (await uploaded.textContent()).match(/\(recording ([^)]+)\)/)?.[1];
  assert.ok(recordingId, await uploaded.textContent());
  // The server decodes what was posted: real audio, so the recording ends `ready`.
  let recording;
  const deadline = Date.now() + TIMEOUT;
  do {
    const recordings = await api.get(`/v1/meetings/${meeting.id}/recordings`);
    assert.equal(recordings.status, 200, JSON.stringify(recordings.json));
    recording = recordings.json.find((r) => r.id === recordingId);
    assert.ok(recording, JSON.stringify(recordings.json));
    if (recording.status === 'ready' || recording.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  assert.equal(recording.status, 'ready', JSON.stringify(recording));
  await context.close();
});

// Calendar rooms (reference §8.1 step 2): the selection lists the room's active meetings split
// into ongoing and upcoming. The meetings are real; only what the calendar sync would add to one
// of them (a later start, the event's title, description and attendees) is added to the server's
// own answer in the browser, until the calendar API lands.
test('calendar room: meeting selection, join, join early, end, unscheduled', async () => {
  await createRoom({
    name: 'calendar-room',
    platform: 'mock',
    recording_type: 'none',
    ics_enabled: true,
    ics_url: 'https://calendar.example.com/team.ics',
  });
  const ongoing = await meetingOf('calendar-room');
  const scheduled = await api.post('/v1/rooms/calendar-room/meeting', { allow_duplicated: true });
  assert.equal(scheduled.status, 200, JSON.stringify(scheduled.json));
  const calendar = scheduled.json;
  assert.notEqual(calendar.id, ongoing.id);

  const { context, page } = await newPage('calendar');
  const startsAt = new Date(Date.now() + 30 * 60_000);
  await page.route('**/v1/rooms/calendar-room/meetings/active', async (route) => {
    const real = await route.fetch();
    const meetings = await real.json();
    for (const m of meetings) {
      if (m.id !== calendar.id) continue;
      m.start_date = startsAt.toISOString();
      m.end_date = new Date(startsAt.getTime() + 60 * 60_000).toISOString();
      m.calendar_event_id = 'evt-quarterly';
      m.calendar_metadata = {
        title: 'Quarterly planning',
        description: 'Budget review for the next quarter',
        attendees: [{ name: 'Alice' }, { email: 'bob@example.com' }],
      };
    }
    await route.fulfill({ response: real, json: meetings });
  });
  const upcomingCalls = [];
  page.on('request', (r) => {
    if (r.url().includes('/meetings/upcoming')) upcomingCalls.push(r.url());
  });

  await page.goto('/calendar-room');
  await page.getByRole('heading', { level: 1, name: 'calendar-room' }).waitFor();
  const ongoingList = page.getByRole('region', { name: 'Ongoing meetings' });
  const upcomingList = page.getByRole('region', { name: 'Upcoming meetings' });
  await ongoingList.getByRole('button', { name: /^Join: Meeting / }).waitFor();
  assert.equal(await ongoingList.getByRole('listitem').count(), 1);
  assert.equal(await upcomingList.getByRole('listitem').count(), 1);
  const planned = upcomingList.getByRole('listitem');
  await planned.getByText('Quarterly planning').waitFor();
  await planned.getByText('Budget review for the next quarter').waitFor();
  await planned.getByText('With Alice, bob@example.com').waitFor();
  await shot(page, 'calendar-meeting-selection');

  // An ongoing meeting opens directly.
  await ongoingList.getByRole('button', { name: /^Join: Meeting / }).click();
  await page.waitForURL(`**/calendar-room/${ongoing.id}`);
  await page.getByRole('button', { name: 'Join call' }).waitFor();
  await page.goBack();

  // An upcoming one is joined first (POST …/join), then opened.
  const joined = page.waitForResponse((r) => r.url().endsWith(`/meetings/${calendar.id}/join`) && r.request().method() === 'POST');
  await upcomingList.getByRole('button', { name: 'Join early: Quarterly planning' }).click();
  assert.equal((await joined).status(), 200);
  await page.waitForURL(`**/calendar-room/${calendar.id}`);
  await page.getByRole('button', { name: 'Join call' }).waitFor();
  await page.goBack();

  // The owner ends the ongoing meeting: it leaves the list, and the server has it inactive.
  const ended = page.waitForResponse((r) => r.url().endsWith(`/v1/meetings/${ongoing.id}/deactivate`));
  await ongoingList.getByRole('button', { name: /^End: Meeting / }).click();
  assert.equal((await ended).status(), 200);
  await ongoingList.getByText('None.').waitFor();
  const stillActive = await api.get('/v1/rooms/calendar-room/meetings/active');
  assert.deepEqual(stillActive.json.map((m) => m.id), [calendar.id]);

  // An unscheduled meeting is a new one, opened at once.
  const created = page.waitForResponse((r) => r.url().endsWith('/v1/rooms/calendar-room/meeting') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Start an unscheduled meeting' }).click();
  const fresh = await (await created).json();
  assert.ok(![ongoing.id, calendar.id].includes(fresh.id), fresh.id);
  await page.waitForURL(`**/calendar-room/${fresh.id}`);
  await page.getByRole('button', { name: 'Join call' }).waitFor();
  // Reference §8.1: the selection is built from the active meetings alone.
  assert.deepEqual(upcomingCalls, []);
  await context.close();
});

test('consent: dialog, Escape, accept and deny, remembered locally', async () => {
  await createRoom({ name: 'consent-room', platform: 'mock', recording_type: 'cloud' });
  const meeting = await meetingOf('consent-room');
  const consentButton = 'Meeting is being recorded — give or refuse consent';

  const a = await newPage('consent A');
  await a.page.goto('/consent-room');
  await a.page.getByRole('button', { name: consentButton }).click();
  const dialog = a.page.getByRole('alertdialog');
  await dialog.getByText("Can we have your permission to store this meeting's audio recording on our servers?").waitFor();
  const focused = await a.page.evaluate(() => document.activeElement?.textContent);
  assert.equal(focused, 'Yes, store the audio');
  await shot(a.page, 'consent-dialog');
  await a.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await a.page.getByRole('button', { name: consentButton }).waitFor();

  await a.page.getByRole('button', { name: consentButton }).click();
  await a.page.getByRole('button', { name: 'Yes, store the audio' }).click();
  await a.page.getByRole('status').filter({ hasText: 'Recording' }).waitFor();
  assert.equal(await a.page.getByRole('button', { name: consentButton }).count(), 0);
  const stored = await a.page.evaluate(() => localStorage.getItem('recording_consent_meetings'));
  assert.deepEqual(JSON.parse(stored), [`${meeting.id}|T`]);
  await a.page.reload();
  await a.page.getByRole('status').filter({ hasText: 'Recording' }).waitFor();
  assert.equal(await a.page.getByRole('button', { name: consentButton }).count(), 0);

  const b = await newPage('consent B');
  await b.page.goto('/consent-room');
  await b.page.getByRole('button', { name: consentButton }).click();
  await b.page.getByRole('button', { name: 'No, delete after transcription' }).click();
  await b.page.getByRole('alertdialog').waitFor({ state: 'detached' });
  assert.equal(await b.page.getByRole('button', { name: consentButton }).count(), 0);
  assert.equal(await b.page.getByRole('status').filter({ hasText: 'Recording' }).count(), 0);
  const denied = await b.page.evaluate(() => localStorage.getItem('recording_consent_meetings'));
  assert.deepEqual(JSON.parse(denied), [`${meeting.id}|F`]);
  await a.context.close();
  await b.context.close();
});

test('Daily room: join endpoint, then the prebuilt iframe on the room URL (stubbed host)', async () => {
  await createRoom({ name: 'daily-room', platform: 'daily', recording_type: 'none' });
  const { context, page } = await newPage(null);
  const dailyRequests = [];
  await context.route(/^https:\/\/([a-z0-9-]+\.)*daily\.co\//, (route) => {
    dailyRequests.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>stub daily</title>' });
  });
  const join = page.waitForResponse((r) => r.url().includes('/join') && r.request().method() === 'POST');
  await page.goto('/daily-room');
  const joined = await (await join).json();
  assert.match(joined.room_url, /^https:\/\/reflector-test\.daily\.co\//);
  const frame = page.locator('iframe[title="Daily video call: daily-room"]');
  await frame.waitFor();
  const src = await frame.getAttribute('src');
  assert.ok(src.startsWith(joined.room_url.split('?')[0]), `${src} vs ${joined.room_url}`);
  assert.ok(dailyRequests.some((u) => u.startsWith('https://reflector-test.daily.co/')), dailyRequests.join('\n'));
  await context.close();
});

test('Daily room: consent dialog over the call, denial posted and remembered', async () => {
  await createRoom({ name: 'daily-consent', platform: 'daily', recording_type: 'cloud' });
  const meeting = await meetingOf('daily-consent');
  const { context, page } = await newPage(null);
  await context.route(/^https:\/\/([a-z0-9-]+\.)*daily\.co\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>stub daily</title>' }),
  );
  await page.goto('/daily-consent');
  await page.locator('iframe[title="Daily video call: daily-consent"]').waitFor();
  await page.getByRole('button', { name: 'Meeting is being recorded — give or refuse consent' }).click();
  await page.getByRole('alertdialog').waitFor();
  const inert = await page.evaluate(() => document.querySelector('iframe')?.closest('[inert]') !== null);
  assert.ok(inert, 'the call is inert while the dialog is open');
  const posted = page.waitForResponse((r) => r.url().endsWith(`/v1/meetings/${meeting.id}/consent`));
  await page.getByRole('button', { name: 'No, delete after transcription' }).click();
  const answer = await posted;
  assert.equal(answer.status(), 200);
  assert.deepEqual(JSON.parse(answer.request().postData()), { consent_given: false });
  await page.getByRole('alertdialog').waitFor({ state: 'detached' });
  const stored = await page.evaluate(() => localStorage.getItem('recording_consent_meetings'));
  assert.deepEqual(JSON.parse(stored), [`${meeting.id}|F`]);
  await context.close();
});

test('Whereby room: the documented iframe embed of the room URL (stubbed host)', async () => {
  await createRoom({ name: 'whereby-room', platform: 'whereby', recording_type: 'none' });
  const meeting = await meetingOf('whereby-room');
  const { context, page } = await newPage(null);
  await context.route(/^https:\/\/([a-z0-9-]+\.)*whereby\.com\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>stub whereby</title>' }),
  );
  await page.goto('/whereby-room');
  const frame = page.locator('iframe[title="Whereby video call: whereby-room"]');
  await frame.waitFor();
  const src = new URL(await frame.getAttribute('src'));
  const expected = new URL(meeting.host_room_url || meeting.room_url);
  assert.equal(src.origin + src.pathname, expected.origin + expected.pathname);
  assert.ok(src.searchParams.has('embed'));
  assert.match(await frame.getAttribute('allow'), /microphone/);
  await context.close();
});

test('Whereby room: consent overlay over the call; the iframe cannot take focus from the dialog', async () => {
  await createRoom({ name: 'whereby-consent', platform: 'whereby', recording_type: 'cloud' });
  const meeting = await meetingOf('whereby-consent');
  const { context, page } = await newPage(null);
  await context.route(/^https:\/\/([a-z0-9-]+\.)*whereby\.com\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><button>stub</button>' }),
  );
  await page.goto('/whereby-consent');
  const frame = page.locator('iframe[title="Whereby video call: whereby-consent"]');
  await frame.waitFor();
  const button = page.getByRole('button', { name: 'Meeting is being recorded — give or refuse consent' });
  const box = await button.boundingBox();
  assert.ok(box && Math.round(box.y) === 56 && Math.round(box.x) === 8, JSON.stringify(box));
  await button.click();
  await page.getByRole('alertdialog').waitFor();
  assert.equal(await frame.getAttribute('inert'), '');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Yes, store the audio');
  await page.keyboard.press('Tab');
  const inDialog = await page.evaluate(() => document.activeElement?.closest('[role="alertdialog"]') !== null || document.activeElement?.tagName !== 'IFRAME');
  assert.ok(inDialog, 'focus moved into the call iframe');
  await page.getByRole('button', { name: 'Yes, store the audio' }).click();
  await page.getByRole('status').filter({ hasText: 'Recording' }).waitFor();
  assert.equal(await frame.getAttribute('inert'), null);
  const stored = await page.evaluate(() => localStorage.getItem('recording_consent_meetings'));
  assert.deepEqual(JSON.parse(stored), [`${meeting.id}|T`]);
  await context.close();
});

test('transcript page: an unknown id says so', async () => {
  const { context, page } = await newPage(null);
  await page.goto('/transcripts/no-such-transcript');
  await page.getByRole('alert').filter({ hasText: 'Transcript not found' }).waitFor();
  await page.getByRole('link', { name: 'Transcripts' }).click();
  await page.getByRole('heading', { name: 'Transcripts' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search transcripts' }).waitFor();
  await context.close();
});

test('usable at 360 px: no horizontal scrolling, controls on screen', async () => {
  await createRoom({ name: 'narrow-room', platform: 'mock', recording_type: 'cloud' });
  const { context, page } = await newPage('narrow', { viewport: { width: 360, height: 740 } });
  // The transcript pages too, with the "done when" transcript when that case ran before.
  const pages = [
    { path: '/rooms', ready: () => page.getByRole('button', { name: 'New room' }).click(), name: 'rooms' },
    { path: '/narrow-room', ready: () => page.getByRole('button', { name: 'Join call' }).waitFor(), name: 'mock-room' },
    { path: '/transcripts', ready: () => page.getByRole('searchbox', { name: 'Search transcripts' }).waitFor(), name: 'transcripts' },
  ];
  if (doneWhen.transcriptId) {
    pages.push({
      path: `/transcripts/${doneWhen.transcriptId}`,
      ready: () => page.getByRole('img', { name: 'Audio waveform' }).waitFor(),
      name: 'transcript',
    });
  }
  for (const { path, ready, name } of pages) {
    await page.goto(path);
    await page.getByRole('button').first().waitFor();
    await ready();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path}: page is ${width}px wide`);
    for (const button of await page.getByRole('button').all()) {
      const box = await button.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `${path}: ${await button.textContent()} off screen`);
    }
    await shot(page, `narrow-${name}`);
  }
  await context.close();
});

// First load of the mock room page, cold cache, three times (median reported): bytes on the wire
// from the DevTools protocol, times from the page's own clock (Navigation Timing, and the moment
// the page became usable: the Join button and the live participant count both rendered).
test('mock room page first load: bytes and time to interactive', async () => {
  await createRoom({ name: 'perf-room', platform: 'mock', recording_type: 'none' });
  await meetingOf('perf-room');
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const { context, page } = await newPage('perf');
    await context.addInitScript(() => {
      const observer = new MutationObserver(() => {
        const count = document.querySelector('[data-testid="participant-count"]');
        const join = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join call');
        if (count && count.textContent.includes('in the call') && join && !join.disabled) {
          window.__interactiveAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { subtree: true, childList: true, characterData: true });
    });
    const client = await context.newCDPSession(page);
    await client.send('Network.enable');
    let bytes = 0;
    let requests = 0;
    const scripts = { count: 0, bytes: 0 };
    const types = new Map();
    client.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
    client.on('Network.loadingFinished', (e) => {
      requests++;
      bytes += e.encodedDataLength;
      if (types.get(e.requestId) === 'Script') {
        scripts.count++;
        scripts.bytes += e.encodedDataLength;
      }
    });
    await page.goto('/perf-room');
    await page.waitForFunction(() => window.__interactiveAt !== undefined);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        responseEndMs: Math.round(nav.responseEnd),
        domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
        loadMs: Math.round(nav.loadEventEnd),
        interactiveMs: Math.round(window.__interactiveAt),
      };
    });
    runs.push({ transferredBytes: bytes, requests, scriptBytes: scripts.bytes, scripts: scripts.count, ...timing });
    await context.close();
  }
  const median = (key) => runs.map((r) => r[key]).sort((x, y) => x - y)[1];
  const figures = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(k)]));
  console.log(`mock room first load (median of 3): ${JSON.stringify(figures)}`);
  console.log(`mock room first load runs: ${JSON.stringify(runs)}`);
  if (process.env.REFLECTOR_PERF_OUT) writeFileSync(process.env.REFLECTOR_PERF_OUT, JSON.stringify({ median: figures, runs }, null, 2));
  // Target (issue 13): under 300 KB of compressed JavaScript; the provider SDKs are not loaded.
  for (const r of runs) assert.ok(r.scriptBytes < 300 * 1024, `${r.scriptBytes} bytes of JavaScript`);
});

test('no console errors on the app pages, no CSP violation on any page', () => {
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(cspViolations, []);
});
