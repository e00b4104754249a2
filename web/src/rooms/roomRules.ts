// The room editor's rules (reference §8.5), kept pure so they are unit-tested.
import type { components } from '../api/schema';

export const RESERVED_ROOM_NAMES = ['browse', 'rooms', 'transcripts'] as const;

// The enums of /openapi.json: a value the API drops or renames fails the build here.
type CreateRoomFields = components['schemas']['CreateRoom'];
export type RoomMode = NonNullable<CreateRoomFields['room_mode']>;
export type RecordingType = NonNullable<CreateRoomFields['recording_type']>;
export type RecordingTrigger = NonNullable<CreateRoomFields['recording_trigger']>;

export const ROOM_MODES: RoomMode[] = ['normal', 'group'];
export const RECORDING_TYPES: RecordingType[] = ['none', 'local', 'cloud'];
export const RECORDING_TRIGGERS: RecordingTrigger[] = [
  'none',
  'prompt',
  'automatic',
  'automatic-2nd-participant',
];

// Characters outside [a-zA-Z0-9 -] dropped, whitespace runs → '-', lower case.
export function normalizeRoomName(input: string): string {
  return input
    .replace(/[^a-zA-Z0-9\s-]/g, '')
    .replace(/\s+/g, '-')
    .toLowerCase();
}

// Why a (normalised) name cannot be used, or null when it can.
export function roomNameProblem(name: string): string | null {
  if (name.length === 0) return 'Room name is required';
  if ((RESERVED_ROOM_NAMES as readonly string[]).includes(name)) {
    return `"${name}" is reserved, choose another name`;
  }
  return null;
}

export interface PlatformFields {
  platform: string;
  room_mode: RoomMode;
  recording_type: RecordingType;
  recording_trigger: RecordingTrigger;
}

// Daily forces group mode and the trigger (automatic-2nd-participant for cloud recordings, none
// otherwise); Whereby without cloud recording has no trigger. Applied whenever one of these
// fields changes, so the form never shows a combination the platform does not have.
export function applyPlatformRules<T extends PlatformFields>(fields: T): T {
  if (fields.platform === 'daily') {
    return {
      ...fields,
      room_mode: 'group',
      recording_trigger: fields.recording_type === 'cloud' ? 'automatic-2nd-participant' : 'none',
    };
  }
  if (fields.platform === 'whereby' && fields.recording_type !== 'cloud') {
    return { ...fields, recording_trigger: 'none' };
  }
  return fields;
}

// Which controls the platform fixes (shown disabled, with the reason).
export function lockedByPlatform(platform: string): { roomMode: boolean; trigger: boolean } {
  return { roomMode: platform === 'daily', trigger: platform === 'daily' };
}

// The platform the form shows for a room: new rooms get the server's default; a stored platform
// this server does not offer stays visible as itself so saving does not change it silently.
export function initialPlatform(stored: string | undefined, serverDefault: string): string {
  return stored && stored.length > 0 ? stored : serverDefault;
}
