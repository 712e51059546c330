// The one typed client for Keyholder's API, generated from /openapi.json (see scripts/gen-api-types.ts).
// The session lives in an HttpOnly cookie; every change also sends the CSRF token from the readable cookie.
import i18next from 'i18next';
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

export type { paths, components } from './schema.d.ts';

function csrfToken(): string | null {
  const match = /(?:^|;\s*)kh_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : null;
}

const csrf: Middleware = {
  onRequest({ request }) {
    // The server writes its sentences (problem details, confirmations, validities) in the app's language; a
    // logged-in account's own choice wins there, and the app keeps the two the same (session.tsx).
    if (i18next.language) request.headers.set('accept-language', i18next.language);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const token = csrfToken();
      if (token) request.headers.set('x-csrf-token', token);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** A problem+json answer, thrown so screens can show its `detail` (and mark its `field`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const unauthenticatedListeners = new Set<() => void>();
/** Told when any call answers 401, so the app can go back to the login screen. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the problem's detail. */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch {
    throw new ApiError(i18next.t('offline.unreachable'), 0);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const problem = (error ?? {}) as { detail?: string; title?: string; field?: string; code?: string };
  if (response.status === 401) for (const l of unauthenticatedListeners) l();
  throw new ApiError(
    problem.detail || problem.title || i18next.t('offline.requestFailed', { status: response.status }),
    response.status,
    problem.field,
    problem.code,
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The success body of an operation, e.g. `Res<'/api/me', 'get'>`. */
export type Res<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R }
  ? JsonOf<R[200 & keyof R]> | JsonOf<R[201 & keyof R]>
  : never;
/** The JSON body an operation takes. */
export type Body<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: infer B }
  ? JsonOf<NonNullable<B>>
  : never;
export type Schemas = components['schemas'];
