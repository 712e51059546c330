// Every error leaves as application/problem+json (RFC 9457) with a readable `detail`,
// and for bad input the `field` that was wrong. Nothing unexpected leaks: a 500 says only that.
// The `detail` is written in the reader's language (src/http/language.ts): German words come from
// src/i18n/problems-de.ts by the problem's stable `code`, which stays the same in every language.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ProblemParams } from '../../domain/errors.ts';
import { problemDe } from '../../i18n/problems-de.ts';
import type { Language } from '../../i18n/languages.ts';
import type { ServiceContext } from '../../services/context.ts';
import { acceptedLanguage, readerLanguage } from '../language.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  code?: string;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/** The problem with its detail in `language` (English is the sentence as raised). */
function worded(problem: Problem, language: Language, params: ProblemParams = {}): Problem {
  if (language !== 'de') return problem;
  const de = problemDe(problem.code, params);
  return de === null ? problem : { ...problem, detail: de };
}

async function languageOf(ctx: ServiceContext, request: FastifyRequest): Promise<Language> {
  try {
    return await readerLanguage(ctx, request);
  } catch {
    // The database may be what failed: the header still says what the reader reads.
    return acceptedLanguage(request.headers['accept-language']) ?? 'en';
  }
}

function fieldOf(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (!first) return undefined;
  const params = first.params as Record<string, unknown>;
  const base = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (extra) return base ? `${base}.${extra}` : extra;
  return base || (error.validationContext ?? undefined);
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  const field = fieldOf(error);
  if (!first) return error.message;
  const params = first.params as Record<string, unknown>;
  if (params.additionalProperty) return `Unknown property "${field}".`;
  if (params.missingProperty) return `"${field}" is required.`;
  return `${field ? `"${field}"` : (error.validationContext ?? 'input')} ${first.message ?? 'is invalid'}.`;
}

/**
 * Errors the router raises before any route runs (an over-long path segment, a malformed URL):
 * the same problem+json as everything else, instead of Fastify's own JSON shape.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const problem: Problem = {
    type: 'about:blank',
    title: 'Invalid request',
    status: tooLong ? 414 : 400,
    detail: tooLong ? 'A part of the address is too long to be an id.' : 'The address is not a valid URL.',
    code: error.code?.toLowerCase(),
  };
  sendProblem(reply, worded(problem, acceptedLanguage(request.headers['accept-language']) ?? 'en'));
}

/** Answers a GET nobody else answered (the web app's index.html); returns false to fall through to a 404. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

export function registerProblemHandlers(
  app: FastifyInstance,
  fallback: { current: NotFoundFallback | null },
  ctx: ServiceContext,
): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.retryAfter) reply.header('retry-after', String(error.retryAfter));
      const problem: Problem = {
        type: `about:blank`,
        title: error.title,
        status: error.status,
        detail: error.detail,
        ...(error.field ? { field: error.field } : {}),
        ...(error.code ? { code: error.code } : {}),
      };
      return sendProblem(reply, worded(problem, await languageOf(ctx, request), error.params));
    }
    if (error.validation) {
      const problem: Problem = {
        type: 'about:blank',
        title: 'Invalid request',
        status: 400,
        detail: describeValidation(error),
        field: fieldOf(error),
        code: 'validation',
      };
      return sendProblem(reply, worded(problem, await languageOf(ctx, request)));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const detail =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'The request body is too large.'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'Unsupported content type; send application/json.'
            : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'The JSON body is empty.'
              : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
                ? 'The body is not valid JSON.'
                : error.message;
      const problem: Problem = {
        type: 'about:blank',
        title: 'Invalid request',
        status,
        detail,
        code: error.code?.toLowerCase(),
      };
      return sendProblem(reply, worded(problem, await languageOf(ctx, request)));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, {
      type: 'about:blank',
      title: 'Internal error',
      status: 500,
      detail: 'Something went wrong on our side.',
    });
  });

  app.setNotFoundHandler((request, reply) => {
    if (fallback.current?.(request, reply)) return reply;
    const problem: Problem = {
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
      code: 'no_route',
    };
    return sendProblem(reply, worded(problem, acceptedLanguage(request.headers['accept-language']) ?? 'en'));
  });
}
