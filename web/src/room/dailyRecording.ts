// Daily recordings started by the browser after it joined (reference §8.2), kept free of React so
// the retry rule is unit-tested.

export const RAW_TRACKS_NAMESPACE = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
export const RECORDING_START_DELAY_MS = 2000;
export const RECORDING_RETRY_DELAY_MS = 2000;
export const RECORDING_MAX_ATTEMPTS = 5;

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// RFC 4122 version 5 (SHA-1) UUID of `name` in `namespace`.
export async function uuidv5(name: string, namespace: string): Promise<string> {
  const ns = uuidBytes(namespace);
  const text = new TextEncoder().encode(name);
  const input = new Uint8Array(ns.length + text.length);
  input.set(ns);
  input.set(text, ns.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16);
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  return formatUuid(digest);
}

export type StartRecording = (type: 'cloud' | 'raw-tracks', instanceId: string) => Promise<unknown>;

export interface RecordingOutcome {
  type: 'cloud' | 'raw-tracks';
  ok: boolean;
  attempts: number;
  error?: string;
}

// One recording: "does not seem to be hosting a call" (the provider has not seen us join yet) is
// retried every 2 s up to 5 attempts; "has an active stream" means it already runs (fine).
export async function startWithRetry(
  start: StartRecording,
  type: 'cloud' | 'raw-tracks',
  instanceId: string,
  sleep: (ms: number) => Promise<void>,
): Promise<RecordingOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await start(type, instanceId);
      return { type, ok: true, attempts: attempt };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('has an active stream')) return { type, ok: true, attempts: attempt };
      const retryable = message.includes('does not seem to be hosting a call');
      if (!retryable || attempt >= RECORDING_MAX_ATTEMPTS) {
        return { type, ok: false, attempts: attempt, error: message };
      }
      await sleep(RECORDING_RETRY_DELAY_MS);
    }
  }
}

// Both recordings of a cloud-recorded meeting: the composed one (instance id = meeting id) and the
// raw tracks (instance id = uuidv5(meeting id, RAW_TRACKS_NAMESPACE)), after the 2 s delay.
export async function startMeetingRecordings(
  meetingId: string,
  start: StartRecording,
  sleep: (ms: number) => Promise<void>,
): Promise<RecordingOutcome[]> {
  await sleep(RECORDING_START_DELAY_MS);
  const rawId = await uuidv5(meetingId, RAW_TRACKS_NAMESPACE);
  return Promise.all([
    startWithRetry(start, 'cloud', meetingId, sleep),
    startWithRetry(start, 'raw-tracks', rawId, sleep),
  ]);
}
