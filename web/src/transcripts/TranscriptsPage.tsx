// /transcripts: the list, and full-text search with its snippets, the query's words highlighted
// (contract §9).
import { useId, useState } from 'react';
import { Link, Route, Routes, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ErrorText } from '../common/ErrorText';
import { highlightSnippet } from './searchApi';
import { TranscriptPage } from './TranscriptPage';
import { displayTitle, formatTime, useTranscripts } from './transcriptsApi';

export default function TranscriptsRoutes() {
  return (
    <Routes>
      <Route index element={<TranscriptsList />} />
      <Route path=":transcriptId" element={<TranscriptPage />} />
    </Routes>
  );
}

function TranscriptsList() {
  // The query lives in the address (?q=), so a search can be linked, reloaded and gone back to.
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const [input, setInput] = useState(query);
  const transcripts = useTranscripts(query);
  const id = useId();
  const unavailable = transcripts.error instanceof ApiError && transcripts.error.status === 404;
  return (
    <section aria-labelledby="transcripts-heading">
      <h1 id="transcripts-heading">Transcripts</h1>
      <form
        role="search"
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const q = input.trim();
          setParams(q ? { q } : {});
        }}
      >
        <label htmlFor={id}>Search transcripts</label>
        <input id={id} type="search" value={input} onChange={(e) => setInput(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      {transcripts.isPending && <p role="status">Loading…</p>}
      {unavailable ? (
        <p>{query ? 'Search is not available on this server yet.' : 'Transcripts are not available on this server yet.'}</p>
      ) : (
        <ErrorText error={transcripts.error} />
      )}
      {transcripts.data?.kind === 'list' && (
        <ul className="room-list" aria-label="Transcripts">
          {transcripts.data.items.length === 0 && <li className="muted">No transcripts yet.</li>}
          {transcripts.data.items.map((t) => (
            <li key={t.id} className="room-row">
              <div>
                <Link to={`/transcripts/${t.id}`} className="room-name">
                  {displayTitle(t)}
                </Link>
                <span className="muted">
                  {' '}
                  {new Date(t.created_at).toLocaleString()} · <span data-testid="transcript-status">{t.status}</span>
                  {t.duration ? ` · ${formatTime(t.duration / 1000)}` : ''}
                  {t.room_name ? ` · ${t.room_name}` : ''}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {transcripts.data?.kind === 'search' && (
        <>
          <p role="status">
            {transcripts.data.total} {transcripts.data.total === 1 ? 'result' : 'results'} for “{query}”
          </p>
          {transcripts.data.results.length === 0 && <p className="muted">No transcript matches these words.</p>}
          <ul className="room-list" aria-label="Search results">
            {transcripts.data.results.map((r) => (
              <li key={r.id} className="room-row">
                <div>
                  <Link to={`/transcripts/${r.id}`} className="room-name">
                    {displayTitle(r)}
                  </Link>
                  <span className="muted">
                    {' '}
                    {new Date(r.created_at).toLocaleString()} · {r.status}
                    {r.duration ? ` · ${formatTime(r.duration / 1000)}` : ''} · {r.total_match_count}{' '}
                    {r.total_match_count === 1 ? 'match' : 'matches'}
                  </span>
                  {r.search_snippets.map((s, i) => (
                    <p key={i} className="snippet">
                      {highlightSnippet(s, query).map((part, j) =>
                        part.match ? <mark key={j}>{part.text}</mark> : <span key={j}>{part.text}</span>,
                      )}
                    </p>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
