// /transcripts: the list, and full-text search with snippets (contract §9).
import { useId, useState } from 'react';
import { Link, Route, Routes } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ErrorText } from '../common/ErrorText';
import { TranscriptPage } from './TranscriptPage';
import { formatTime, useTranscripts } from './transcriptsApi';

export default function TranscriptsRoutes() {
  return (
    <Routes>
      <Route index element={<TranscriptsList />} />
      <Route path=":transcriptId" element={<TranscriptPage />} />
    </Routes>
  );
}

function TranscriptsList() {
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
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
          setQuery(input);
        }}
      >
        <label htmlFor={id}>Search transcripts</label>
        <input id={id} type="search" value={input} onChange={(e) => setInput(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      {transcripts.isPending && <p role="status">Loading…</p>}
      {unavailable ? (
        <p>Transcripts are not available on this server yet.</p>
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
                  {t.title || t.name || 'Untitled'}
                </Link>
                <span className="muted">
                  {' '}
                  {new Date(t.created_at).toLocaleString()} · {t.status}
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
            {transcripts.data.total} {transcripts.data.total === 1 ? 'result' : 'results'} for “{query.trim()}”
          </p>
          <ul className="room-list" aria-label="Search results">
            {transcripts.data.results.map((r) => (
              <li key={r.id} className="room-row">
                <div>
                  <Link to={`/transcripts/${r.id}`} className="room-name">
                    {r.title || 'Untitled'}
                  </Link>
                  <span className="muted">
                    {' '}
                    {new Date(r.created_at).toLocaleString()} · {r.total_match_count} matches
                  </span>
                  {r.search_snippets.map((s, i) => (
                    <p key={i} className="snippet">
                      {s}
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
