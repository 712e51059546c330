// Failures every layer can raise; the HTTP layer maps them to problem+json.
// Domain code never imports the framework, so the status lives here as a plain number.

export type ProblemKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'too_many' | 'gone';

const STATUS: Record<ProblemKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_many: 429,
};

const TITLE: Record<ProblemKind, string> = {
  invalid: 'Invalid request',
  unauthenticated: 'Not logged in',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  gone: 'Gone',
  too_many: 'Too many attempts',
};

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    /** Which input field was wrong (a JSON pointer or a name), when one was. */
    readonly field?: string,
    /** A stable machine-readable code, e.g. `device_bound_elsewhere`. */
    readonly code?: string,
    /** Seconds after which a retry may succeed (for 429). */
    readonly retryAfter?: number,
  ) {
    super(detail);
    this.status = STATUS[kind];
    this.title = TITLE[kind];
  }
}

// Every helper takes (detail, code, field): the words for people, the stable code for programs, the input at fault.
export const invalidInput = (detail: string, code?: string, field?: string) =>
  new AppError('invalid', detail, field, code);
export const notFound = (detail: string, code?: string) => new AppError('not_found', detail, undefined, code);
export const forbidden = (detail: string, code?: string) => new AppError('forbidden', detail, undefined, code);
export const conflict = (detail: string, code?: string, field?: string) =>
  new AppError('conflict', detail, field, code);
export const unauthenticated = (detail = 'Log in first.') => new AppError('unauthenticated', detail);
export const tooMany = (detail: string, retryAfter: number) =>
  new AppError('too_many', detail, undefined, 'throttled', retryAfter);
export const gone = (detail: string, code?: string) => new AppError('gone', detail, undefined, code);
