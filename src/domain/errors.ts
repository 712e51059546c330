// Failures every layer can raise; the HTTP layer maps them to problem+json.
// Domain code never imports the framework, so the status lives here as a plain number.

export type ProblemKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_many'
  | 'gone'
  /** Something we waited for (a device's answer) did not come in time. */
  | 'timeout'
  /** The input is well-formed but too big to process (e.g. an image's pixel count). */
  | 'too_large'
  /** The input is understood but cannot be processed as sent (e.g. an interlaced PNG). */
  | 'unprocessable';

const STATUS: Record<ProblemKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  /** Something we waited for (a device's answer) did not come in time. */
  timeout: 504,
  too_many: 429,
  too_large: 413,
  unprocessable: 422,
};

const TITLE: Record<ProblemKind, string> = {
  invalid: 'Invalid request',
  unauthenticated: 'Not logged in',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  gone: 'Gone',
  timeout: 'Timed out',
  too_many: 'Too many attempts',
  too_large: 'Too large',
  unprocessable: 'Cannot be processed',
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

  /** The facts the sentence names (a device, a person, a number), so it can be written in the reader's language. */
  params: ProblemParams = {};

  /** Adds the facts behind `detail`, for the words in other languages (src/i18n/problems-de.ts). */
  with(params: ProblemParams): this {
    this.params = { ...this.params, ...params };
    return this;
  }
}

export type ProblemParams = Record<string, string | number>;

// Every helper takes (detail, code, field): the words for people, the stable code for programs, the input at fault.
export const invalidInput = (detail: string, code?: string, field?: string) =>
  new AppError('invalid', detail, field, code);
export const notFound = (detail: string, code?: string) => new AppError('not_found', detail, undefined, code);
export const forbidden = (detail: string, code?: string) => new AppError('forbidden', detail, undefined, code);
export const conflict = (detail: string, code?: string, field?: string) =>
  new AppError('conflict', detail, field, code);
export const unauthenticated = (detail = 'Log in first.', code = 'unauthenticated') =>
  new AppError('unauthenticated', detail, undefined, code);
export const tooMany = (detail: string, retryAfter: number, code = 'throttled') =>
  new AppError('too_many', detail, undefined, code, retryAfter);
export const gone = (detail: string, code?: string) => new AppError('gone', detail, undefined, code);
