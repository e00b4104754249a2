// Calendar rooms (reference §8.1 step 2): ongoing and upcoming meetings to pick from, an
// unscheduled meeting, and "end" for the owner.
import { useNavigate } from 'react-router-dom';
import type { Meeting, Room } from '../api/client';
import { joinMeeting, useActiveMeetings, useCreateUnscheduledMeeting, useDeactivateMeeting } from '../api/hooks';
import { ErrorText } from '../common/ErrorText';

interface CalendarMetadata {
  title?: string;
  description?: string;
  attendees?: Array<{ name?: string; email?: string }>;
}

export function splitMeetings(meetings: Meeting[], now: Date) {
  const ongoing: Meeting[] = [];
  const upcoming: Meeting[] = [];
  for (const m of meetings) {
    const start = new Date(m.start_date ?? 0);
    if (start > now) upcoming.push(m);
    else ongoing.push(m);
  }
  return { ongoing, upcoming };
}

export function MeetingSelection({ room }: { room: Room }) {
  const name = room.name ?? '';
  const meetings = useActiveMeetings(name, true);
  const create = useCreateUnscheduledMeeting(name);
  const end = useDeactivateMeeting(name);
  const navigate = useNavigate();
  const open = (m: Meeting) => navigate(`/${name}/${m.id}`);
  const { ongoing, upcoming } = splitMeetings(meetings.data ?? [], new Date());

  return (
    <main className="page">
      <h1>{name}</h1>
      {meetings.isPending && <p role="status">Loading meetings…</p>}
      <ErrorText error={meetings.error ?? create.error ?? end.error} />
      <MeetingList title="Ongoing" meetings={ongoing} action="Join" onAction={open} onEnd={(m) => end.mutate(m.id ?? '')} />
      <MeetingList
        title="Upcoming"
        meetings={upcoming}
        action="Join early"
        onAction={async (m) => {
          await joinMeeting(name, m.id ?? '');
          open(m);
        }}
        onEnd={(m) => end.mutate(m.id ?? '')}
      />
      <p>
        <button type="button" className="primary" onClick={() => create.mutate(undefined, { onSuccess: open })}>
          Start an unscheduled meeting
        </button>
      </p>
    </main>
  );
}

function MeetingList({
  title,
  meetings,
  action,
  onAction,
  onEnd,
}: {
  title: string;
  meetings: Meeting[];
  action: string;
  onAction: (m: Meeting) => void;
  onEnd: (m: Meeting) => void;
}) {
  return (
    <section aria-label={`${title} meetings`}>
      <h2>{title}</h2>
      {meetings.length === 0 && <p className="muted">None.</p>}
      <ul className="room-list">
        {meetings.map((m) => {
          const meta = (m.calendar_metadata ?? {}) as CalendarMetadata;
          const label = meta.title || `Meeting ${new Date(m.start_date ?? 0).toLocaleString()}`;
          return (
            <li key={m.id} className="room-row">
              <div>
                <strong>{label}</strong>
                <span className="muted">
                  {' '}
                  {new Date(m.start_date ?? 0).toLocaleTimeString()}–{new Date(m.end_date ?? 0).toLocaleTimeString()} ·{' '}
                  {m.num_clients ?? 0} in the call
                </span>
                {meta.description && <p className="muted">{meta.description}</p>}
                {meta.attendees && meta.attendees.length > 0 && (
                  <p className="muted">With {meta.attendees.map((a) => a.name || a.email).join(', ')}</p>
                )}
              </div>
              <div className="row-actions">
                <button type="button" onClick={() => onAction(m)} aria-label={`${action}: ${label}`}>
                  {action}
                </button>
                <button type="button" className="danger" onClick={() => onEnd(m)} aria-label={`End: ${label}`}>
                  End
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
