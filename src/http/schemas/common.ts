import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** The error answers every route may give, documented once. */
export const problemResponses = {
  '4xx': { ...Problem, description: 'Bad input, not allowed, not found, conflict or throttled (problem+json)' },
};

/** Raw bytes (an image upload or download); the OpenAPI document says `format: binary`. */
export const Binary = (description: string) => Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description });

/** The body of a raw image upload: declared for the OpenAPI document; the route's decoder checks the bytes. */
export const imageUpload = (description: string) => ({
  consumes: ['image/png', 'image/jpeg'],
  body: Binary(description),
});

/** Object schemas reject unknown properties instead of dropping them silently. */
export function Strict<T extends Parameters<typeof Type.Object>[0]>(
  props: T,
  options: Parameters<typeof Type.Object>[1] = {},
) {
  return Type.Object(props, { additionalProperties: false, ...options });
}

export const IdParam = Strict({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export type IdParam = Static<typeof IdParam>;

/** The last instant a JavaScript Date can hold (±8.64e15 ms, about the year 275760): later times cannot be shown. */
export const MAX_MILLIS = 8.64e15;

/** Epoch milliseconds, within what a Date can represent. */
export const Millis = Type.Integer({ minimum: 0, maximum: MAX_MILLIS, description: 'epoch milliseconds' });

export const Ok = Strict({ ok: Type.Literal(true) });

export function nullable<T extends TSchema>(t: T) {
  return Type.Union([t, Type.Null()]);
}
