// The e2e suite's processes: the fake providers, `reflector serve` on a free loopback port with a
// throwaway SQLite database, and Debian's Chromium through playwright-core (never a downloaded
// browser). Everything started here is stopped by stopAll().
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const children = [];
export const workDir = mkdtempSync(join(tmpdir(), 'reflector-web-e2e-'));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// What the fake microphone says. The embedded pocketsphinx is weak on espeak-ng's voices
// (bench/wer.sh), more so after the browser's 48 kHz Opus; of the sentences tried, this one keeps
// most of its words ("ten o'clock tomorrow morning") on that path.
export const SPOKEN_SENTENCE = "the meeting will start at ten o'clock tomorrow morning";

// Spoken audio for the fake microphone, made here (never downloaded): 0.3 s of silence, the
// sentence, 0.7 s of silence. Chromium opens the file anew for every capture stream
// (FakeAudioInputStream's FileSource) and loops it, so a recording started with the stream holds
// the whole sentence after one pass; the silences keep each pass a clean utterance.
// Returns { wav, sentenceSeconds, passSeconds }.
export function makeSpeechWav() {
  const raw = join(workDir, 'speech-raw.wav');
  const wav = join(workDir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, SPOKEN_SENTENCE]);
  execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', raw, '-af',
    'adelay=300:all=1,apad=pad_dur=0.7', '-c:a', 'pcm_s16le', wav]);
  return { wav, sentenceSeconds: wavSeconds(raw), passSeconds: wavSeconds(wav) };
}

// How long to record for one whole pass of the file (whole seconds, as the page's clock shows).
export function speechWindowSeconds(speech) {
  return Math.ceil(speech.passSeconds + 0.3);
}

// The length of a PCM WAV file (espeak-ng's: a 44-byte header, then the samples).
export function wavSeconds(path) {
  const data = readFileSync(path);
  const byteRate = data.readUInt32LE(28);
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    // espeak-ng writes 0x7fffffff-ish sizes when streaming; the rest of the file is the data then.
    if (id === 'data') return Math.min(size, data.length - offset - 8) / byteRate;
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

export async function startFakeProviders(binary) {
  const child = spawn(resolve(binary), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake providers exited (${code})`)));
    child.once('error', reject);
  });
  const [dailyUrl, dailyKey, wherebyUrl, wherebyKey] = line.trim().split(/\s+/);
  return { dailyUrl, dailyKey, wherebyUrl, wherebyKey };
}

export async function startServer(binary, extraEnv = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(workDir, 'server-'));
  const logs = [];
  const child = spawn(resolve(binary), ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `sqlite:///${join(dir, 'reflector.db')}`,
      DATA_DIR: join(dir, 'data'),
      WORKER_THREADS: '1',
      LOG_LEVEL: 'info',
      // The embedded recogniser, the default, named so the "done when" case does not follow a change.
      TRANSCRIPT_BACKEND: 'pocketsphinx',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (l) => logs.push(l));
  }
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  child.once('error', (error) => (exited = { error: error.message }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`reflector exited ${JSON.stringify(exited)}:\n${logs.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`reflector not healthy in 30 s:\n${logs.join('\n')}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base, logs, child };
}

export async function launchBrowser(speechWav) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${speechWav}`,
    ],
  });
}

export async function stopAll() {
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}

// JSON API calls from the test (not through the UI).
export function apiClient(base) {
  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
  };
}
