// Which meetings this browser already answered the recording-consent question for (reference
// §8.4): localStorage key `recording_consent_meetings`, a JSON array of the last 5 entries
// "<meetingId>|T" (accepted) / "<meetingId>|F" (denied). A bare "<meetingId>" (older clients) or
// an unknown suffix counts as accepted.

export const CONSENT_STORAGE_KEY = 'recording_consent_meetings';
export const CONSENT_MEMORY_SIZE = 5;

export type ConsentAnswer = 'accepted' | 'denied';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function parseEntries(raw: string | null): string[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

function entryMeetingId(entry: string): string {
  const bar = entry.lastIndexOf('|');
  return bar === -1 ? entry : entry.slice(0, bar);
}

function entryAnswer(entry: string): ConsentAnswer {
  const bar = entry.lastIndexOf('|');
  if (bar === -1) return 'accepted';
  return entry.slice(bar + 1) === 'F' ? 'denied' : 'accepted';
}

// The remembered answer for the meeting, or null when this browser has not answered.
export function readConsent(store: KeyValueStore, meetingId: string): ConsentAnswer | null {
  const entries = parseEntries(store.getItem(CONSENT_STORAGE_KEY));
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entryMeetingId(entries[i]) === meetingId) return entryAnswer(entries[i]);
  }
  return null;
}

// Remembers the answer: replaces an earlier entry for the meeting, keeps the newest 5.
export function rememberConsent(store: KeyValueStore, meetingId: string, answer: ConsentAnswer) {
  const entries = parseEntries(store.getItem(CONSENT_STORAGE_KEY)).filter(
    (entry) => entryMeetingId(entry) !== meetingId,
  );
  entries.push(`${meetingId}|${answer === 'accepted' ? 'T' : 'F'}`);
  store.setItem(CONSENT_STORAGE_KEY, JSON.stringify(entries.slice(-CONSENT_MEMORY_SIZE)));
}

export interface ConsentState {
  // The consent button/dialog is offered.
  required: boolean;
  showButton: boolean;
  showRecordingIndicator: boolean;
}

// Reference §8.4: consent is required iff the meeting records to the cloud; the button shows while
// required, not skipped by the room and unanswered here; the indicator shows while required and
// (skipped or accepted).
export function consentState(
  recordingType: string | undefined,
  skipConsent: boolean,
  answer: ConsentAnswer | null,
): ConsentState {
  const required = recordingType === 'cloud';
  return {
    required,
    showButton: required && !skipConsent && answer === null,
    showRecordingIndicator: required && (skipConsent || answer === 'accepted'),
  };
}
