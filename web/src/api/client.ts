// The typed API client: `paths` comes from the server's /openapi.json (openapi-typescript, run by
// the build), so a call to an endpoint or a field the API does not have fails to compile.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { authHeaders } from './auth';

export type Room = components['schemas']['RoomDetails'];
export type CreateRoom = components['schemas']['CreateRoom'];
export type UpdateRoom = components['schemas']['UpdateRoom'];
export type Meeting = components['schemas']['Meeting'];

export const api = createClient<paths>({ baseUrl: '' });

const auth: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders())) request.headers.set(name, value);
    return request;
  },
};
api.use(auth);

// The API's errors: {"detail": "..."} or FastAPI's {"detail": [{"msg", "loc"}]}.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown, status: number): string {
  const detail = (error as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { msg?: string; loc?: unknown[] }) =>
        [d.loc?.slice(1).join('.'), d.msg].filter(Boolean).join(': '),
      )
      .join('; ');
  }
  return `Request failed (${status})`;
}

// Unwraps an openapi-fetch answer: the data, or an ApiError with the server's message.
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, errorMessage(error, response.status));
  return data as T;
}
