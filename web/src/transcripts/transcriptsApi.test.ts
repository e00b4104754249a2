import { describe, expect, it } from 'vitest';
import { displayTitle, formatTime, isSettled } from './transcriptsApi';

describe('displayTitle', () => {
  const created_at = '2026-12-04T15:00:00Z';
  it('prefers the title, then the name', () => {
    expect(displayTitle({ title: 'Planning', name: 'upload.wav', room_name: 'standup', created_at })).toBe('Planning');
    expect(displayTitle({ title: null, name: 'upload.wav', room_name: 'standup', created_at })).toBe('upload.wav');
  });
  it('names an untitled room recording after its room and day', () => {
    const day = new Date(created_at).toLocaleDateString();
    expect(displayTitle({ title: null, name: '', room_name: 'standup', created_at })).toBe(`Meeting in standup, ${day}`);
    expect(displayTitle({ room_name: 'standup' })).toBe('Meeting in standup');
  });
  it('says Untitled when nothing names it', () => {
    expect(displayTitle({ title: '', name: '', room_name: null, created_at })).toBe('Untitled');
  });
});

describe('formatTime', () => {
  it.each([
    [0, '0:00'],
    [4.99, '0:04'],
    [65, '1:05'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3725.5, '1:02:05'],
    [-3, '0:00'],
  ])('%d s → %s', (seconds, text) => expect(formatTime(seconds)).toBe(text));
});

describe('isSettled', () => {
  it('is true only for the final states', () => {
    expect(isSettled('ended')).toBe(true);
    expect(isSettled('error')).toBe(true);
    for (const s of ['idle', 'uploaded', 'processing'] as const) expect(isSettled(s)).toBe(false);
    expect(isSettled(undefined)).toBe(false);
  });
});
