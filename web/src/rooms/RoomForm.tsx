import { useId, useState } from 'react';
import type { CreateRoom, Room } from '../api/client';
import { useCreateRoom, usePlatforms, useUpdateRoom } from '../api/hooks';
import { ErrorText } from '../common/ErrorText';
import {
  applyPlatformRules,
  initialPlatform,
  lockedByPlatform,
  normalizeRoomName,
  RECORDING_TRIGGERS,
  RECORDING_TYPES,
  ROOM_MODES,
  roomNameProblem,
  type RecordingTrigger,
  type RecordingType,
  type RoomMode,
} from './roomRules';

interface FormState {
  name: string;
  platform: string;
  is_locked: boolean;
  room_mode: RoomMode;
  recording_type: RecordingType;
  recording_trigger: RecordingTrigger;
  skip_consent: boolean;
  webhook_url: string;
  ics_url: string;
  ics_enabled: boolean;
}

function fromRoom(room: Room | undefined, defaultPlatform: string): FormState {
  return applyPlatformRules({
    name: room?.name ?? '',
    platform: initialPlatform(room?.platform, defaultPlatform),
    is_locked: room?.is_locked ?? false,
    room_mode: (room?.room_mode as RoomMode) ?? 'normal',
    recording_type: (room?.recording_type as RecordingType) ?? 'cloud',
    recording_trigger: (room?.recording_trigger as RecordingTrigger) ?? 'automatic-2nd-participant',
    skip_consent: room?.skip_consent ?? false,
    webhook_url: room?.webhook_url ?? '',
    ics_url: room?.ics_url ?? '',
    ics_enabled: room?.ics_enabled ?? false,
  });
}

function toBody(form: FormState): CreateRoom {
  return {
    name: form.name,
    platform: form.platform as CreateRoom['platform'],
    is_locked: form.is_locked,
    room_mode: form.room_mode,
    recording_type: form.recording_type,
    recording_trigger: form.recording_trigger,
    skip_consent: form.skip_consent,
    webhook_url: form.webhook_url.trim() || null,
    ics_url: form.ics_url.trim() || null,
    ics_enabled: form.ics_enabled && form.ics_url.trim().length > 0,
  };
}

export function RoomForm({ room, onDone }: { room?: Room; onDone: () => void }) {
  const platforms = usePlatforms();
  if (platforms.isPending) return <p role="status">Loading platforms…</p>;
  if (platforms.error) return <ErrorText error={platforms.error} />;
  const offered = platforms.data.platforms;
  return (
    <RoomFormFields room={room} offered={offered} defaultPlatform={platforms.data.default} onDone={onDone} />
  );
}

function RoomFormFields({
  room,
  offered,
  defaultPlatform,
  onDone,
}: {
  room?: Room;
  offered: string[];
  defaultPlatform: string;
  onDone: () => void;
}) {
  const [form, setForm] = useState<FormState>(() => fromRoom(room, defaultPlatform));
  const [touched, setTouched] = useState(false);
  const create = useCreateRoom();
  const update = useUpdateRoom();
  const id = useId();
  const choices = offered.includes(form.platform) ? offered : [...offered, form.platform];
  const locks = lockedByPlatform(form.platform);
  const nameProblem = roomNameProblem(form.name);
  const pending = create.isPending || update.isPending;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((current) => applyPlatformRules({ ...current, [key]: value }));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (nameProblem) return;
    const body = toBody(form);
    const done = { onSuccess: onDone };
    if (room?.id) update.mutate({ id: room.id, body }, done);
    else create.mutate(body, done);
  };

  return (
    <form className="room-form" onSubmit={submit} aria-label={room ? `Edit room ${room.name}` : 'New room'} noValidate>
      <h2>{room ? `Edit ${room.name}` : 'New room'}</h2>
      <div className="field">
        <label htmlFor={`${id}-name`}>Room name</label>
        <input
          id={`${id}-name`}
          value={form.name}
          onChange={(e) => set('name', normalizeRoomName(e.target.value))}
          aria-invalid={touched && nameProblem !== null}
          aria-describedby={`${id}-name-help`}
          autoComplete="off"
          required
        />
        <small id={`${id}-name-help`} className={touched && nameProblem ? 'error' : 'muted'}>
          {touched && nameProblem ? nameProblem : 'Lower-case letters, digits and dashes; it becomes the URL.'}
        </small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-platform`}>Platform</label>
        <select id={`${id}-platform`} value={form.platform} onChange={(e) => set('platform', e.target.value)}>
          {choices.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-mode`}>Room mode</label>
        <select
          id={`${id}-mode`}
          value={form.room_mode}
          disabled={locks.roomMode}
          aria-describedby={locks.roomMode ? `${id}-daily-note` : undefined}
          onChange={(e) => set('room_mode', e.target.value as RoomMode)}
        >
          {ROOM_MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-rectype`}>Recording type</label>
        <select
          id={`${id}-rectype`}
          value={form.recording_type}
          onChange={(e) => set('recording_type', e.target.value as RecordingType)}
        >
          {RECORDING_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-trigger`}>Recording trigger</label>
        <select
          id={`${id}-trigger`}
          value={form.recording_trigger}
          disabled={locks.trigger || form.recording_type !== 'cloud'}
          aria-describedby={locks.trigger ? `${id}-daily-note` : undefined}
          onChange={(e) => set('recording_trigger', e.target.value as RecordingTrigger)}
        >
          {RECORDING_TRIGGERS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      {locks.roomMode && (
        <p id={`${id}-daily-note`} className="muted">
          Daily rooms are group rooms; cloud recordings start when the second participant joins.
        </p>
      )}
      <div className="checks">
        <label>
          <input type="checkbox" checked={form.is_locked} onChange={(e) => set('is_locked', e.target.checked)} />
          Locked
        </label>
        <label>
          <input type="checkbox" checked={form.skip_consent} onChange={(e) => set('skip_consent', e.target.checked)} />
          Skip the recording consent dialog
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-webhook`}>Webhook URL</label>
        <input
          id={`${id}-webhook`}
          type="url"
          inputMode="url"
          placeholder="https://example.com/hook"
          value={form.webhook_url}
          onChange={(e) => set('webhook_url', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-ics`}>Calendar (ICS) URL</label>
        <input
          id={`${id}-ics`}
          type="url"
          inputMode="url"
          placeholder="https://calendar.example.com/room.ics"
          value={form.ics_url}
          onChange={(e) => set('ics_url', e.target.value)}
        />
      </div>
      <div className="checks">
        <label>
          <input
            type="checkbox"
            checked={form.ics_enabled}
            disabled={form.ics_url.trim().length === 0}
            onChange={(e) => set('ics_enabled', e.target.checked)}
          />
          Sync meetings from the calendar
        </label>
      </div>
      <ErrorText error={create.error ?? update.error} />
      <div className="row-actions">
        <button type="submit" className="primary" disabled={pending}>
          {room ? 'Save room' : 'Create room'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
