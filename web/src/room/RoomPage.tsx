// The room page (contract §9, reference §8.1): loads the room, picks or creates its meeting and
// renders the component of the meeting's platform.
import { lazy } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, type Meeting, type Room } from '../api/client';
import { useDefaultMeeting, useMeeting, useRoomByName } from '../api/hooks';
import { ErrorText } from '../common/ErrorText';
import { MeetingSelection } from './MeetingSelection';
import { MockRoom } from './MockRoom';

// Provider SDKs load only on their own pages.
const DailyRoom = lazy(() => import('./DailyRoom'));
const WherebyRoom = lazy(() => import('./WherebyRoom'));

export default function RoomPage() {
  const { roomName = '', meetingId } = useParams();
  const room = useRoomByName(roomName);
  if (room.isPending) return <Status text="Loading room…" />;
  if (room.error) {
    if (room.error instanceof ApiError && room.error.status === 404) return <RoomNotFound name={roomName} />;
    return <ErrorPage error={room.error} />;
  }
  if (room.data.ics_enabled && meetingId === undefined) return <MeetingSelection room={room.data} />;
  return <MeetingLoader room={room.data} meetingId={meetingId} />;
}

function MeetingLoader({ room, meetingId }: { room: Room; meetingId?: string }) {
  const name = room.name ?? '';
  const chosen = useMeeting(name, meetingId);
  const fallback = useDefaultMeeting(name, meetingId === undefined);
  const meeting = meetingId === undefined ? fallback : chosen;
  if (meeting.isPending) return <Status text="Joining meeting…" />;
  if (meeting.error) return <ErrorPage error={meeting.error} />;
  return <RoomContainer room={room} meeting={meeting.data} />;
}

export function RoomContainer({ room, meeting }: { room: Room; meeting: Meeting }) {
  const platform: string = meeting.platform ?? '';
  switch (platform) {
    case 'daily':
      return <DailyRoom room={room} meeting={meeting} />;
    case 'whereby':
      return <WherebyRoom room={room} meeting={meeting} />;
    case 'mock':
      return <MockRoom room={room} meeting={meeting} />;
    case '':
      return <ErrorPage error="Meeting platform not configured" />;
    default:
      return <ErrorPage error={`Unknown platform: ${platform}`} />;
  }
}

function Status({ text }: { text: string }) {
  return (
    <main className="page">
      <p role="status">{text}</p>
    </main>
  );
}

function RoomNotFound({ name }: { name: string }) {
  return (
    <main className="page">
      <h1>Room not found</h1>
      <p>
        There is no room named <code>{name}</code>. <Link to="/rooms">Back to rooms</Link>
      </p>
    </main>
  );
}

function ErrorPage({ error }: { error: unknown }) {
  return (
    <main className="page">
      <h1>Cannot open this meeting</h1>
      <ErrorText error={error} />
      <Link to="/rooms">Back to rooms</Link>
    </main>
  );
}
