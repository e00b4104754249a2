// AUTH_BACKEND=none needs nothing. With AUTH_BACKEND=jwt the user pastes a token (Settings in the
// header); it is kept in localStorage and sent as `Authorization: Bearer <token>`.
const TOKEN_KEY = 'reflector_token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
