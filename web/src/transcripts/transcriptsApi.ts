// The transcripts API (contract §7.6, §8; reference §5.5) through the typed client: list, one
// transcript, its waveform and WebVTT come from /openapi.json (api/schema.d.ts). The server
// describes `transcript` and `participants` loosely (a string or a list; plain objects), so their
// element shapes are written here from the contract.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { searchTranscripts, type SearchResponse } from './searchApi';

export type Transcript = components['schemas']['Transcript'];
export type TranscriptStatus = Transcript['status'];

// One element of `transcript` when transcript_format=json.
export interface Segment {
  speaker: number;
  speaker_name?: string | null;
  text: string;
  start: number; // seconds
  end: number;
}

// One element of `participants`.
export interface Participant {
  id: string;
  speaker?: number | null;
  name: string;
}

// A transcript that may still change (polled until it is final).
export function isSettled(status: TranscriptStatus | undefined): boolean {
  return status === 'ended' || status === 'error';
}

const POLL_MS = 1000;

export type TranscriptsAnswer =
  | { kind: 'list'; items: Transcript[] }
  | ({ kind: 'search' } & SearchResponse);

// The list (empty query) or the full-text search. A list with unfinished transcripts is polled so
// their status moves on screen.
export function useTranscripts(query: string) {
  const q = query.trim();
  return useQuery({
    queryKey: ['transcripts', q],
    queryFn: async (): Promise<TranscriptsAnswer> => {
      if (q.length === 0) {
        const page = await unwrap(
          api.GET('/v1/transcripts', { params: { query: { sort_by: 'created_at', size: 100 } } }),
        );
        return { kind: 'list', items: page.items ?? [] };
      }
      return { kind: 'search', ...(await searchTranscripts(q, 50)) };
    },
    retry: false,
    refetchInterval: (state) => {
      const data = state.state.data;
      if (data?.kind !== 'list') return false;
      return data.items.every((t) => isSettled(t.status)) ? false : POLL_MS;
    },
  });
}

export function useTranscript(id: string) {
  return useQuery({
    queryKey: ['transcript', id],
    queryFn: () =>
      unwrap(
        api.GET('/v1/transcripts/{transcript_id}', {
          params: { path: { transcript_id: id }, query: { transcript_format: 'json' } },
        }),
      ),
    retry: false,
    refetchInterval: (state) => (isSettled(state.state.data?.status) ? false : POLL_MS),
  });
}

export function useWaveform(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['transcript', id, 'waveform'],
    queryFn: async () => {
      const body = await unwrap(
        api.GET('/v1/transcripts/{transcript_id}/audio/waveform', {
          params: { path: { transcript_id: id } },
        }),
      );
      return body.data ?? [];
    },
    enabled,
    retry: false,
  });
}

export async function fetchWebVtt(id: string): Promise<string> {
  const body = await unwrap(
    api.GET('/v1/transcripts/{transcript_id}', {
      params: { path: { transcript_id: id }, query: { transcript_format: 'webvtt-named' } },
    }),
  );
  return typeof body.transcript === 'string' ? body.transcript : '';
}

export function segmentsOf(t: Transcript): Segment[] {
  return Array.isArray(t.transcript) ? (t.transcript as Segment[]) : [];
}

export function participantsOf(t: Transcript): Participant[] {
  return (t.participants ?? []) as unknown as Participant[];
}

// What a transcript is called on screen: its title, its name, else the room and the day.
export function displayTitle(t: {
  title?: string | null;
  name?: string | null;
  room_name?: string | null;
  created_at?: string;
}): string {
  if (t.title) return t.title;
  if (t.name) return t.name;
  const day = t.created_at ? new Date(t.created_at).toLocaleDateString() : '';
  if (t.room_name) return `Meeting in ${t.room_name}${day ? `, ${day}` : ''}`;
  return 'Untitled';
}

// "m:ss" or "h:mm:ss".
export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
