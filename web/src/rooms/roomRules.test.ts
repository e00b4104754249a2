import { describe, expect, it } from 'vitest';
import { applyPlatformRules, normalizeRoomName, roomNameProblem, type PlatformFields } from './roomRules';

describe('normalizeRoomName', () => {
  it('drops characters outside letters, digits, spaces and dashes', () => {
    expect(normalizeRoomName('Team_Stand.up!')).toBe('teamstandup');
    expect(normalizeRoomName('café-1')).toBe('caf-1');
  });
  it('turns whitespace runs into one dash and lower-cases', () => {
    expect(normalizeRoomName('Weekly  Sync\tRoom')).toBe('weekly-sync-room');
  });
  it('keeps dashes and digits', () => {
    expect(normalizeRoomName('a-b-3')).toBe('a-b-3');
  });
});

describe('roomNameProblem', () => {
  it.each(['browse', 'rooms', 'transcripts'])('rejects the reserved name %s', (name) => {
    expect(roomNameProblem(name)).toBe(`"${name}" is reserved, choose another name`);
  });
  it('rejects an empty name and accepts a normal one', () => {
    expect(roomNameProblem('')).toBe('Room name is required');
    expect(roomNameProblem('standup')).toBeNull();
    expect(roomNameProblem('rooms-2')).toBeNull();
  });
});

describe('applyPlatformRules', () => {
  const base: PlatformFields = {
    platform: 'whereby',
    room_mode: 'normal',
    recording_type: 'cloud',
    recording_trigger: 'prompt',
  };
  it('Daily forces group mode and automatic-2nd-participant for cloud recordings', () => {
    expect(applyPlatformRules({ ...base, platform: 'daily' })).toEqual({
      platform: 'daily',
      room_mode: 'group',
      recording_type: 'cloud',
      recording_trigger: 'automatic-2nd-participant',
    });
  });
  it('Daily without cloud recording has no trigger', () => {
    const out = applyPlatformRules({ ...base, platform: 'daily', recording_type: 'local' });
    expect(out.recording_trigger).toBe('none');
    expect(out.room_mode).toBe('group');
  });
  it('Whereby without cloud recording has no trigger, and keeps its mode', () => {
    const out = applyPlatformRules({ ...base, recording_type: 'none' });
    expect(out).toEqual({ ...base, recording_type: 'none', recording_trigger: 'none' });
  });
  it('Whereby with cloud recording keeps the chosen trigger and mode', () => {
    expect(applyPlatformRules(base)).toEqual(base);
  });
  it('leaves other platforms (mock) alone', () => {
    const mock = { ...base, platform: 'mock', recording_type: 'none' as const };
    expect(applyPlatformRules(mock)).toEqual(mock);
  });
});
