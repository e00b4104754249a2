// The transcripts API (contract §7.6, §8; reference §5.5). It is being built on the server in
// parallel, so these shapes are written from the contract; once /openapi.json has these paths,
// switch to the generated types (api/schema.d.ts) like the rest of api/.
import { useQuery } from '@tanstack/react-query';
import { authHeaders } from '../api/auth';
import { ApiError, errorMessage } from '../api/client';

export interface TranscriptSummary {
  id: string;
  name?: string;
  title?: string | null;
  status: string;
  duration?: number | null; // milliseconds
  created_at: string;
  room_name?: string | null;
  short_summary?: string | null;
}

export interface SearchResult {
  id: string;
  title?: string | null;
  room_name?: string | null;
  status: string;
  created_at: string;
  duration?: number | null;
  rank: number;
  search_snippets: string[];
  total_match_count: number;
}

export interface Segment {
  speaker: number;
  speaker_name?: string | null;
  text: string;
  start: number; // seconds
  end: number;
}

export interface TranscriptDetail {
  id: string;
  name?: string;
  title?: string | null;
  status: string;
  duration?: number | null;
  created_at?: string;
  room_name?: string | null;
  audio_deleted?: boolean | null;
  participants?: Array<{ id: string; speaker?: number | null; name: string }>;
  transcript?: Segment[] | string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: authHeaders() });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) throw new ApiError(response.status, errorMessage(body, response.status));
  return body as T;
}

export function useTranscripts(query: string) {
  const q = query.trim();
  return useQuery({
    queryKey: ['transcripts', q],
    queryFn: async () => {
      if (q.length === 0) {
        const page = await getJson<{ items: TranscriptSummary[] }>('/v1/transcripts?sort_by=created_at');
        return { kind: 'list' as const, items: page.items };
      }
      const found = await getJson<{ results: SearchResult[]; total: number }>(
        `/v1/transcripts/search?q=${encodeURIComponent(q)}&limit=50`,
      );
      return { kind: 'search' as const, results: found.results, total: found.total };
    },
    retry: false,
  });
}

export function useTranscript(id: string) {
  return useQuery({
    queryKey: ['transcript', id],
    queryFn: () => getJson<TranscriptDetail>(`/v1/transcripts/${encodeURIComponent(id)}?transcript_format=json`),
    retry: false,
  });
}

export function useWaveform(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['transcript', id, 'waveform'],
    queryFn: async () => {
      const body = await getJson<{ data?: number[] } | number[]>(
        `/v1/transcripts/${encodeURIComponent(id)}/audio/waveform`,
      );
      return Array.isArray(body) ? body : (body.data ?? []);
    },
    enabled,
    retry: false,
  });
}

export async function fetchWebVtt(id: string): Promise<string> {
  const body = await getJson<{ transcript?: string }>(
    `/v1/transcripts/${encodeURIComponent(id)}?transcript_format=webvtt-named`,
  );
  return body.transcript ?? '';
}

// "m:ss" or "h:mm:ss".
export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
