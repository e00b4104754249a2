import { useId, useState } from 'react';
import { getToken, setToken } from '../api/auth';

// For AUTH_BACKEND=jwt: paste a token; it is stored in localStorage and sent as Bearer.
export function TokenSettings() {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(() => getToken() ?? '');
  const id = useId();
  return (
    <div className="token-settings">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {getToken() ? 'Signed in (token)' : 'Sign in'}
      </button>
      {open && (
        <form
          className="token-form"
          onSubmit={(e) => {
            e.preventDefault();
            setToken(value.trim() || null);
            setOpen(false);
            window.location.reload();
          }}
        >
          <label htmlFor={id}>API token (JWT)</label>
          <input id={id} type="password" value={value} onChange={(e) => setValue(e.target.value)} />
          <button type="submit">Save token</button>
        </form>
      )}
    </div>
  );
}
