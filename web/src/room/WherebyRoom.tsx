// Whereby (reference §8.3) with Whereby's documented iframe embed of the room URL (see README for
// why not @whereby.com/browser-sdk): the host URL for the owner, else the room URL; no join call.
import type { Meeting, Room } from '../api/client';
import { ConsentControls } from '../consent/ConsentControls';
import { useConsent } from '../consent/useConsent';

export function embedUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('embed', '');
  u.searchParams.set('iframeSource', 'reflector');
  return u.toString().replace('embed=&', 'embed&');
}

export default function WherebyRoom({ room, meeting }: { room: Room; meeting: Meeting }) {
  const consent = useConsent(meeting.id ?? '', meeting.recording_type, room.skip_consent ?? false);
  const url = meeting.host_room_url || meeting.room_url || '';
  return (
    <div className="provider-room">
      <ConsentControls consent={consent} className="overlay whereby-overlay" />
      <iframe
        className="provider-frame"
        title={`Whereby video call: ${room.name}`}
        src={embedUrl(url)}
        allow="camera; microphone; fullscreen; speaker; display-capture; autoplay"
        {...(consent.dialogOpen ? { inert: '' } : {})}
      />
    </div>
  );
}
