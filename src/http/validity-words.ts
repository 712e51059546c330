// Installer applications and handover invitations carry validities as data (`validity`, `until`) and in words
// (`validityDescription`, `description`) with the permissions' labels. The services write those words in English
// for the notices' facts; these routes' answers are rewritten for their reader (src/http/language.ts): in the
// reader's language, with end times in the reader's time zone instead of an ISO instant.
import type { FastifyInstance } from 'fastify';
import { AGREED_MESSAGE, REJECTED_MESSAGE } from '../domain/applications.ts';
import { describeSpec, VALIDITY_PRESETS, type ValiditySpec } from '../domain/authorization-validity.ts';
import { permissionIn } from '../i18n/permissions-de.ts';
import type { ServiceContext } from '../services/context.ts';
import { readerOf, type Reader } from './language.ts';

const MESSAGES_DE: Record<string, string> = {
  [AGREED_MESSAGE]:
    'Erledigt. Sie können die Berechtigungen später auf der Geräteseite unter Dienst > Autorisierte Geräte ändern oder beenden.',
  [REJECTED_MESSAGE]: 'Der Antrag wurde abgelehnt. Der Errichter wurde informiert.',
};

function specOf(validity: string, until: unknown): ValiditySpec | null {
  if (!(VALIDITY_PRESETS as readonly string[]).includes(validity)) return null;
  if (validity === 'permanent') return { kind: 'permanent' };
  if (validity === 'until') return typeof until === 'number' ? { kind: 'until', until } : null;
  return { kind: 'duration', hours: Number(validity.slice(0, -1)) as 1 | 2 | 4 | 8 };
}

/** The answer with its validity words and permission labels written for `reader` (a copy; the input is kept). */
export function inReaderWords(value: unknown, reader: Reader): unknown {
  if (Array.isArray(value)) return value.map((v) => inReaderWords(v, reader));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = inReaderWords(v, reader);
  const spec = typeof out.validity === 'string' && 'until' in out ? specOf(out.validity, out.until) : null;
  if (spec) {
    const words = describeSpec(spec, reader.language, reader.timeZone);
    if (typeof out.validityDescription === 'string') out.validityDescription = words;
    if (typeof out.description === 'string') out.description = words;
  }
  if (typeof out.permission === 'string' && typeof out.label === 'string')
    out.label = permissionIn(out.permission, reader.language);
  if (reader.language === 'de' && typeof out.message === 'string' && Array.isArray(out.applications))
    out.message = MESSAGES_DE[out.message] ?? out.message;
  return out;
}

/** Rewrites every answer of the routes registered on `app` (one plugin's scope) for its reader. */
export function answerInReaderWords(app: FastifyInstance, ctx: ServiceContext): void {
  app.addHook('preSerialization', async (request, reply, payload) =>
    reply.statusCode < 400 ? inReaderWords(payload, await readerOf(ctx, request)) : payload,
  );
}
