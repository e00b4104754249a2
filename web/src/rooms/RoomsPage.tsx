import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { Room } from '../api/client';
import { useDeleteRoom, useRooms } from '../api/hooks';
import { ErrorText } from '../common/ErrorText';
import { RoomForm } from './RoomForm';

type Editing = { kind: 'new' } | { kind: 'edit'; room: Room } | null;

export function RoomsPage() {
  const rooms = useRooms();
  const remove = useDeleteRoom();
  const [editing, setEditing] = useState<Editing>(null);

  return (
    <section aria-labelledby="rooms-heading">
      <div className="section-head">
        <h1 id="rooms-heading">Rooms</h1>
        {editing === null && (
          <button type="button" className="primary" onClick={() => setEditing({ kind: 'new' })}>
            New room
          </button>
        )}
      </div>
      {editing !== null && (
        <RoomForm
          key={editing.kind === 'edit' ? editing.room.id : 'new'}
          room={editing.kind === 'edit' ? editing.room : undefined}
          onDone={() => setEditing(null)}
        />
      )}
      {rooms.isPending && <p role="status">Loading rooms…</p>}
      <ErrorText error={rooms.error} />
      <ErrorText error={remove.error} />
      {rooms.data && rooms.data.items?.length === 0 && <p>No rooms yet.</p>}
      <ul className="room-list" aria-label="Rooms">
        {rooms.data?.items?.map((room) => (
          <RoomRow
            key={room.id}
            room={room}
            onEdit={() => setEditing({ kind: 'edit', room })}
            onDelete={() => {
              if (window.confirm(`Delete room ${room.name}?`)) remove.mutate(room.id ?? '');
            }}
          />
        ))}
      </ul>
    </section>
  );
}

function RoomRow({ room, onEdit, onDelete }: { room: Room; onEdit: () => void; onDelete: () => void }) {
  return (
    <li className="room-row">
      <div>
        <Link to={`/${room.name}`} className="room-name">
          {room.name}
        </Link>
        <span className="muted">
          {' '}
          {room.platform} · {room.room_mode} · recording {room.recording_type}
          {room.is_locked ? ' · locked' : ''}
        </span>
      </div>
      <div className="row-actions">
        <button type="button" onClick={onEdit} aria-label={`Edit ${room.name}`}>
          Edit
        </button>
        <button type="button" className="danger" onClick={onDelete} aria-label={`Delete ${room.name}`}>
          Delete
        </button>
      </div>
    </li>
  );
}
