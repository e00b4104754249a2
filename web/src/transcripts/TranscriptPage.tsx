// /transcripts/{id}: title, status, speakers, segments with times, the audio with its waveform,
// and the WebVTT download (contract §9).
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ErrorText } from '../common/ErrorText';
import {
  displayTitle,
  fetchWebVtt,
  formatTime,
  isSettled,
  participantsOf,
  segmentsOf,
  useTranscript,
  useWaveform,
  type Segment,
} from './transcriptsApi';

export function TranscriptPage() {
  const { transcriptId = '' } = useParams();
  const transcript = useTranscript(transcriptId);
  const audio = useRef<HTMLAudioElement>(null);
  if (transcript.isPending) return <p role="status">Loading transcript…</p>;
  if (transcript.error) return <ErrorText error={transcript.error} />;
  const t = transcript.data;
  const segments = segmentsOf(t);
  const speakers = new Map<number, string>();
  for (const p of participantsOf(t)) if (p.speaker != null) speakers.set(p.speaker, p.name);
  const speakerName = (s: Segment) => s.speaker_name || speakers.get(s.speaker) || `Speaker ${s.speaker}`;
  const seek = (seconds: number) => {
    if (audio.current) {
      audio.current.currentTime = seconds;
      void audio.current.play().catch(() => {});
    }
  };

  return (
    <article aria-labelledby="transcript-title">
      <p>
        <Link to="/transcripts">All transcripts</Link>
      </p>
      <h1 id="transcript-title">{displayTitle(t)}</h1>
      <p className="muted">
        Status: <span data-testid="transcript-status">{t.status}</span>
        {t.duration ? ` · ${formatTime(t.duration / 1000)}` : ''}
        {t.room_name ? ` · room ${t.room_name}` : ''}
      </p>
      {!isSettled(t.status) && <p role="status">Transcribing… this page updates when it is done.</p>}
      {t.status === 'error' && t.error && <ErrorText error={`Transcription failed: ${t.error}`} />}
      {speakers.size > 0 && (
        <p data-testid="speakers">Speakers: {[...new Set(speakers.values())].join(', ')}</p>
      )}
      {!t.audio_deleted && t.status === 'ended' && (
        <section aria-label="Audio" className="card">
          <Waveform id={t.id} durationSeconds={(t.duration ?? 0) / 1000} onSeek={seek} />
          <audio ref={audio} controls preload="none" src={`/v1/transcripts/${encodeURIComponent(t.id)}/audio/mp3`}>
            Your browser cannot play the audio.
          </audio>
        </section>
      )}
      {t.audio_deleted && <p className="muted">The audio was deleted (a participant did not consent).</p>}
      <WebVttDownload id={t.id} />
      <ol className="segments" aria-label="Transcript">
        {segments.map((s, i) => (
          <li key={i}>
            <button type="button" className="time" onClick={() => seek(s.start)} aria-label={`Play from ${formatTime(s.start)}`}>
              {formatTime(s.start)}
            </button>{' '}
            <strong>{speakerName(s)}:</strong> {s.text}
          </li>
        ))}
      </ol>
    </article>
  );
}

// The peaks over the whole recording; a click plays from that point. The position comes from the
// transcript's duration: the <audio> element (preload="none") does not know its own until loaded.
function Waveform({
  id,
  durationSeconds,
  onSeek,
}: {
  id: string;
  durationSeconds: number;
  onSeek: (seconds: number) => void;
}) {
  const data = useWaveform(id, true);
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const peaks = data.data;
    if (!c || !peaks || peaks.length === 0) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const { width, height } = c;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#1f5fbf';
    const max = Math.max(...peaks.map(Math.abs), 1e-6);
    const bar = width / peaks.length;
    peaks.forEach((p, i) => {
      const h = Math.max(1, (Math.abs(p) / max) * height);
      ctx.fillRect(i * bar, (height - h) / 2, Math.max(1, bar - 0.5), h);
    });
  }, [data.data]);
  if (!data.data || data.data.length === 0) return null;
  return (
    <canvas
      ref={canvas}
      width={800}
      height={60}
      className="waveform"
      role="img"
      aria-label="Audio waveform"
      onClick={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        if (durationSeconds > 0) onSeek(((e.clientX - rect.left) / rect.width) * durationSeconds);
      }}
    />
  );
}

function WebVttDownload({ id }: { id: string }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <p>
      <button
        type="button"
        onClick={async () => {
          setError(null);
          try {
            const text = await fetchWebVtt(id);
            const url = URL.createObjectURL(new Blob([text], { type: 'text/vtt' }));
            const a = document.createElement('a');
            a.href = url;
            a.download = `transcript-${id}.vtt`;
            a.click();
            // The download has started from the click; the URL is released once it is read.
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
          } catch (e) {
            setError(e);
          }
        }}
      >
        Download WebVTT
      </button>
      <ErrorText error={error} />
    </p>
  );
}
