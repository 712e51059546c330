// In which language the server writes the sentences a person reads in an answer (problem details, a share's
// confirmation, validity descriptions): the account's chosen language when the caller is logged in and chose
// one, else the best of the request's Accept-Language, else English. The web app sends its own language as
// Accept-Language, so a visitor who picked German before logging in reads German too. docs/api.md, "Languages".
import type { FastifyRequest } from 'fastify';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../i18n/languages.ts';
import { findAccountById } from '../persistence/repositories/accounts.ts';
import type { ServiceContext } from '../services/context.ts';

/** The first of our languages the header asks for, by quality ("de-AT;q=0.9, en;q=0.8" → de), or null. */
export function acceptedLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const wanted = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => /^\s*q=([\d.]+)\s*$/.exec(r)).find(Boolean);
      return { base: tag.trim().toLowerCase().split('-')[0]!, q: q ? Number(q[1]) : 1, i };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return wanted.map((w) => w.base).find(isLanguage) ?? null;
}

/** Who reads the answer: their language, and their time zone for the times in it. */
export interface Reader {
  language: Language;
  timeZone: string;
}

const known = new WeakMap<FastifyRequest, Reader>();

/** The reader of this request's answer (the account is looked up once per request). */
export async function readerOf(ctx: ServiceContext, request: FastifyRequest): Promise<Reader> {
  const cached = known.get(request);
  if (cached) return cached;
  let language: Language | null = null;
  let timeZone = 'UTC';
  if (request.principal) {
    const account = await findAccountById(ctx.db, request.principal.accountId);
    if (isLanguage(account?.language)) language = account.language;
    if (account?.time_zone) timeZone = account.time_zone;
  }
  const reader = {
    language: language ?? acceptedLanguage(request.headers['accept-language']) ?? DEFAULT_LANGUAGE,
    timeZone,
  };
  known.set(request, reader);
  return reader;
}

export async function readerLanguage(ctx: ServiceContext, request: FastifyRequest): Promise<Language> {
  return (await readerOf(ctx, request)).language;
}
