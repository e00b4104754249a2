import { describe, expect, it } from 'vitest';
import {
  CONSENT_STORAGE_KEY,
  consentState,
  readConsent,
  rememberConsent,
  type KeyValueStore,
} from './consentMemory';

function memoryStore(initial?: unknown): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  if (initial !== undefined) data.set(CONSENT_STORAGE_KEY, JSON.stringify(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  };
}

describe('consent memory', () => {
  it('is empty at first', () => {
    expect(readConsent(memoryStore(), 'm1')).toBeNull();
  });

  it('remembers accepted as |T and denied as |F', () => {
    const store = memoryStore();
    rememberConsent(store, 'm1', 'accepted');
    rememberConsent(store, 'm2', 'denied');
    expect(JSON.parse(store.data.get(CONSENT_STORAGE_KEY)!)).toEqual(['m1|T', 'm2|F']);
    expect(readConsent(store, 'm1')).toBe('accepted');
    expect(readConsent(store, 'm2')).toBe('denied');
  });

  it('keeps only the last 5 entries', () => {
    const store = memoryStore();
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) rememberConsent(store, id, 'accepted');
    expect(JSON.parse(store.data.get(CONSENT_STORAGE_KEY)!)).toEqual([
      'b|T',
      'c|T',
      'd|T',
      'e|T',
      'f|T',
    ]);
    expect(readConsent(store, 'a')).toBeNull();
  });

  it('replaces an earlier answer for the same meeting', () => {
    const store = memoryStore(['m1|T', 'm2|T']);
    rememberConsent(store, 'm1', 'denied');
    expect(JSON.parse(store.data.get(CONSENT_STORAGE_KEY)!)).toEqual(['m2|T', 'm1|F']);
  });

  it('reads a bare legacy id and an unknown suffix as accepted', () => {
    const store = memoryStore(['legacy', 'odd|X']);
    expect(readConsent(store, 'legacy')).toBe('accepted');
    expect(readConsent(store, 'odd')).toBe('accepted');
  });

  it('survives garbage in storage', () => {
    const store = memoryStore();
    store.data.set(CONSENT_STORAGE_KEY, '{not json');
    expect(readConsent(store, 'm1')).toBeNull();
    rememberConsent(store, 'm1', 'denied');
    expect(readConsent(store, 'm1')).toBe('denied');
    store.data.set(CONSENT_STORAGE_KEY, JSON.stringify({ m1: 'T' }));
    expect(readConsent(store, 'm1')).toBeNull();
  });
});

describe('consentState', () => {
  it('asks only for cloud recordings that are not skipped and not answered', () => {
    expect(consentState('cloud', false, null)).toEqual({
      required: true,
      showButton: true,
      showRecordingIndicator: false,
    });
    expect(consentState('cloud', false, 'denied')).toEqual({
      required: true,
      showButton: false,
      showRecordingIndicator: false,
    });
  });
  it('shows the indicator when accepted or skipped', () => {
    expect(consentState('cloud', false, 'accepted').showRecordingIndicator).toBe(true);
    expect(consentState('cloud', true, null)).toEqual({
      required: true,
      showButton: false,
      showRecordingIndicator: true,
    });
  });
  it('asks nothing without cloud recording', () => {
    for (const type of ['none', 'local', undefined]) {
      expect(consentState(type, false, null)).toEqual({
        required: false,
        showButton: false,
        showRecordingIndicator: false,
      });
    }
  });
});
