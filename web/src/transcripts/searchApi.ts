// Full-text search (reference §5.5 "Full-text search"): GET /v1/transcripts/search through the
// typed client, and the highlighting of the query's words inside the server's snippets.
// Highlighting produces plain text parts that React renders as text nodes (never HTML), so a
// snippet cannot inject markup.
import { api, unwrap } from '../api/client';
import type { components, paths } from '../api/schema';

export type SearchResult = components['schemas']['SearchResult'];
export type SearchResponse =
  paths['/v1/transcripts/search']['get']['responses']['200']['content']['application/json'];

export function searchTranscripts(q: string, limit: number): Promise<SearchResponse> {
  return unwrap(api.GET('/v1/transcripts/search', { params: { query: { q, limit } } }));
}

// The words a query looks for, in the server's web-search syntax: quoted phrases stay whole,
// `OR` is an operator, a leading `-` excludes a word (not highlighted).
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  const pattern = /(-?)"([^"]*)"?|(\S+)/gu;
  for (const m of query.matchAll(pattern)) {
    if (m[2] !== undefined) {
      if (m[1] === '-') continue;
      const phrase = m[2].trim().replace(/\s+/gu, ' ');
      if (phrase) terms.push(phrase);
      continue;
    }
    let word = m[3];
    if (word === 'OR' || word.startsWith('-')) continue;
    // Punctuation around a word is not part of what the index matches.
    word = word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (word) terms.push(word);
  }
  // Longest first, so "budget approved" wins over "budget" at the same place.
  return [...new Set(terms)].sort((a, b) => b.length - a.length);
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Splits `snippet` into parts, marking the case-insensitive occurrences of the query's terms.
// Joining the parts' texts gives back `snippet` exactly.
export function highlightSnippet(snippet: string, query: string): SnippetPart[] {
  const terms = queryTerms(query);
  if (terms.length === 0 || snippet.length === 0) return snippet ? [{ text: snippet, match: false }] : [];
  const pattern = new RegExp(terms.map((t) => escapeRegExp(t).replace(/ /g, '\\s+')).join('|'), 'giu');
  const parts: SnippetPart[] = [];
  let last = 0;
  for (const m of snippet.matchAll(pattern)) {
    const at = m.index ?? 0;
    if (m[0].length === 0) continue;
    if (at > last) parts.push({ text: snippet.slice(last, at), match: false });
    parts.push({ text: m[0], match: true });
    last = at + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}
