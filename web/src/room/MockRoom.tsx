// The built-in mock call (contract §9): join/leave send signed participant events through the mock
// platform's webhook path (server side), the participant list is live, and Record uploads the
// microphone recording to the meeting's recording endpoint.
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { Meeting, Room } from '../api/client';
import { joinMockMeeting, leaveMockMeeting, leaveMockMeetingUrl, useParticipants } from '../api/hooks';
import { ConsentControls } from '../consent/ConsentControls';
import { useConsent } from '../consent/useConsent';
import { ErrorText } from '../common/ErrorText';
import { uploadRecording } from './upload';
import { useRecorder } from './useRecorder';

export function MockRoom({ room, meeting }: { room: Room; meeting: Meeting }) {
  const meetingId = meeting.id ?? '';
  const consent = useConsent(meetingId, meeting.recording_type, room.skip_consent ?? false);
  return (
    <main className="page call-page">
      <div className="section-head">
        <h1>{room.name}</h1>
        <Link to="/rooms">All rooms</Link>
      </div>
      <p className="muted">Mock video platform · meeting {meetingId.slice(0, 8)}</p>
      <ConsentControls consent={consent} />
      <CallControls meetingId={meetingId} />
      <Participants meetingId={meetingId} />
      <Recorder roomName={room.name ?? ''} />
    </main>
  );
}

function CallControls({ meetingId }: { meetingId: string }) {
  const [name, setName] = useState('');
  const [participantId, setParticipantId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const joined = useRef<string | null>(null);
  joined.current = participantId;

  // Closing the tab, or leaving the page inside the app, leaves the call: sendBeacon survives the
  // page going away.
  useEffect(() => {
    const onHide = () => {
      if (joined.current) navigator.sendBeacon(leaveMockMeetingUrl(meetingId, joined.current));
      joined.current = null;
    };
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('pagehide', onHide);
      onHide();
    };
  }, [meetingId]);

  const join = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await joinMockMeeting(meetingId, name.trim() || 'Guest');
      setParticipantId(answer.participant_id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const leave = async () => {
    if (!participantId) return;
    setBusy(true);
    setError(null);
    try {
      await leaveMockMeeting(meetingId, participantId);
      setParticipantId(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Call" className="card">
      {participantId === null ? (
        <form onSubmit={join} className="inline-form">
          <label htmlFor={id}>Your name</label>
          <input id={id} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          <button type="submit" className="primary" disabled={busy}>
            Join call
          </button>
        </form>
      ) : (
        <div className="inline-form">
          <p role="status">You are in the call.</p>
          <button type="button" className="danger" disabled={busy} onClick={leave}>
            Leave call
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function Participants({ meetingId }: { meetingId: string }) {
  const participants = useParticipants(meetingId);
  const count = participants.data?.count ?? 0;
  return (
    <section aria-labelledby="participants-heading" className="card">
      <h2 id="participants-heading">Participants</h2>
      <p aria-live="polite" data-testid="participant-count">
        {participants.data ? `${count} ${count === 1 ? 'participant' : 'participants'} in the call` : 'Loading…'}
      </p>
      <ul aria-label="Participants in the call">
        {participants.data?.participants.map((p) => (
          <li key={p.id}>{p.name || 'Guest'}</li>
        ))}
      </ul>
      <ErrorText error={participants.error} />
    </section>
  );
}

type UploadState =
  | { kind: 'none' }
  | { kind: 'uploading'; fraction: number }
  | { kind: 'done'; recordingId?: string }
  | { kind: 'failed'; message: string };

function Recorder({ roomName }: { roomName: string }) {
  const recorder = useRecorder();
  const [upload, setUpload] = useState<UploadState>({ kind: 'none' });
  const recording = recorder.state.kind === 'recording';

  const stopAndUpload = async () => {
    const blob = await recorder.stop();
    if (!blob) return;
    setUpload({ kind: 'uploading', fraction: 0 });
    try {
      const result = await uploadRecording(roomName, blob, (fraction) => setUpload({ kind: 'uploading', fraction }));
      if (result.status === 202 || result.status === 200) setUpload({ kind: 'done', recordingId: result.recordingId });
      else if (result.status === 404 && !result.message?.includes('meeting'))
        setUpload({ kind: 'failed', message: 'Recording upload is not available on this server' });
      else setUpload({ kind: 'failed', message: result.message ?? `Upload failed (${result.status})` });
    } catch (e) {
      setUpload({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <section aria-labelledby="recording-heading" className="card">
      <h2 id="recording-heading">Recording</h2>
      {recording ? (
        <button type="button" className="danger" onClick={stopAndUpload}>
          Stop recording
        </button>
      ) : (
        <button type="button" onClick={recorder.start} disabled={upload.kind === 'uploading'}>
          Record
        </button>
      )}
      {recorder.state.kind === 'recording' && (
        <p role="status">
          Recording the microphone… <Elapsed since={recorder.state.startedAt} />
        </p>
      )}
      {recorder.state.kind === 'error' && <ErrorText error={recorder.state.message} />}
      {upload.kind === 'uploading' && (
        <p>
          <label>
            Upload progress{' '}
            <progress max={1} value={upload.fraction} aria-valuetext={`${Math.round(upload.fraction * 100)}%`} />
          </label>
        </p>
      )}
      {upload.kind === 'done' && (
        <p role="status">Recording uploaded{upload.recordingId ? ` (recording ${upload.recordingId})` : ''}.</p>
      )}
      {upload.kind === 'failed' && <ErrorText error={upload.message} />}
    </section>
  );
}

// Time since `since` (a Date.now() value) as m:ss, ticking while shown.
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <span role="timer" data-testid="recording-elapsed">
      {Math.floor(seconds / 60)}:{String(seconds % 60).padStart(2, '0')}
    </span>
  );
}
