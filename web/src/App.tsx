import { lazy, Suspense } from 'react';
import { Link, Route, Routes } from 'react-router-dom';
import { TokenSettings } from './common/TokenSettings';
import { RoomsPage } from './rooms/RoomsPage';

// The room page (and with it the provider SDKs) and the transcripts pages load on demand.
const RoomPage = lazy(() => import('./room/RoomPage'));
const TranscriptsPage = lazy(() => import('./transcripts/TranscriptsPage'));

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <>
      <header className="topbar">
        <nav aria-label="Main">
          <Link to="/rooms" className="brand">
            Reflector
          </Link>
          <Link to="/rooms">Rooms</Link>
          <Link to="/transcripts">Transcripts</Link>
        </nav>
        <TokenSettings />
      </header>
      <main className="page">{children}</main>
    </>
  );
}

export function App() {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <Routes>
        <Route path="/" element={<Shell><RoomsPage /></Shell>} />
        <Route path="/rooms" element={<Shell><RoomsPage /></Shell>} />
        <Route path="/browse/*" element={<Shell><TranscriptsPage /></Shell>} />
        <Route path="/transcripts/*" element={<Shell><TranscriptsPage /></Shell>} />
        <Route path="/:roomName" element={<RoomPage />} />
        <Route path="/:roomName/:meetingId" element={<RoomPage />} />
      </Routes>
    </Suspense>
  );
}
