import { describe, expect, it } from 'vitest';
import { RAW_TRACKS_NAMESPACE, startMeetingRecordings, startWithRetry, uuidv5 } from './dailyRecording';

const noSleep = async () => {};

describe('uuidv5', () => {
  it('matches the RFC 4122 DNS example', async () => {
    expect(await uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
  it('is deterministic, differs per meeting and is case-sensitive on the name', async () => {
    const a = await uuidv5('4AD503B6-0000-4000-8000-00000000F990', RAW_TRACKS_NAMESPACE);
    expect(a).toBe(await uuidv5('4AD503B6-0000-4000-8000-00000000F990', RAW_TRACKS_NAMESPACE));
    expect(a).not.toBe(await uuidv5('4ad503b6-0000-4000-8000-00000000f990', RAW_TRACKS_NAMESPACE));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('startWithRetry', () => {
  it('retries "not hosting a call" every 2 s, up to 5 attempts', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const outcome = await startWithRetry(
      async () => {
        calls++;
        throw new Error('room x does not seem to be hosting a call currently');
      },
      'cloud',
      'id',
      async (ms) => void sleeps.push(ms),
    );
    expect(calls).toBe(5);
    expect(sleeps).toEqual([2000, 2000, 2000, 2000]);
    expect(outcome).toMatchObject({ ok: false, attempts: 5 });
  });
  it('succeeds once the call is seen', async () => {
    let calls = 0;
    const outcome = await startWithRetry(
      async () => {
        if (++calls < 3) throw new Error('does not seem to be hosting a call');
      },
      'cloud',
      'id',
      noSleep,
    );
    expect(outcome).toEqual({ type: 'cloud', ok: true, attempts: 3 });
  });
  it('takes "has an active stream" as started and does not retry other errors', async () => {
    expect(
      await startWithRetry(async () => Promise.reject(new Error('has an active stream')), 'cloud', 'i', noSleep),
    ).toEqual({ type: 'cloud', ok: true, attempts: 1 });
    const failed = await startWithRetry(
      async () => Promise.reject(new Error('Daily.co is not configured')),
      'raw-tracks',
      'i',
      noSleep,
    );
    expect(failed).toEqual({ type: 'raw-tracks', ok: false, attempts: 1, error: 'Daily.co is not configured' });
  });
});

describe('startMeetingRecordings', () => {
  it('waits 2 s, then starts cloud with the meeting id and raw-tracks with its uuidv5', async () => {
    const meetingId = '0f3c2b1a-1111-4222-8333-944455556666';
    const calls: Array<[string, string]> = [];
    const sleeps: number[] = [];
    const outcomes = await startMeetingRecordings(
      meetingId,
      async (type, id) => void calls.push([type, id]),
      async (ms) => void sleeps.push(ms),
    );
    expect(sleeps).toEqual([2000]);
    expect(calls).toEqual([
      ['cloud', meetingId],
      ['raw-tracks', await uuidv5(meetingId, RAW_TRACKS_NAMESPACE)],
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });
});
