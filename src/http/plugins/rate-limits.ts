// Request rate limits on the costly and enumerable routes, per client address and per account, answered with a
// 429 problem (+ Retry-After). A route opts in with one line of route config: `config: { limit: 'login' }`.
// These limits bound request volume per instance (counters in memory); the guess limits that must hold across
// instances and under concurrency (failed logins, bind codes) live in the database (repositories/throttles.ts).
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tooMany } from '../../domain/errors.ts';
import type { ServiceContext } from '../../services/context.ts';

export interface Allowance {
  max: number;
  windowMs: number;
}

/** Each limit: requests per window per client address, and per account (the caller, or the login it names). */
export const RATE_LIMITS = {
  login: { perAddress: { max: 30, windowMs: 60_000 }, perAccount: { max: 10, windowMs: 60_000 } },
  register: { perAddress: { max: 10, windowMs: 60 * 60_000 }, perAccount: { max: 3, windowMs: 60 * 60_000 } },
  sendCode: { perAddress: { max: 20, windowMs: 10 * 60_000 }, perAccount: { max: 5, windowMs: 10 * 60_000 } },
  resolveRecipient: { perAddress: { max: 60, windowMs: 60_000 }, perAccount: { max: 30, windowMs: 60_000 } },
  resolveImage: { perAddress: { max: 20, windowMs: 60_000 }, perAccount: { max: 10, windowMs: 60_000 } },
  bind: { perAddress: { max: 30, windowMs: 60_000 }, perAccount: { max: 20, windowMs: 60_000 } },
  guestOpen: { perAddress: { max: 30, windowMs: 60_000 }, perAccount: { max: 30, windowMs: 60_000 } },
  passwordReset: { perAddress: { max: 10, windowMs: 15 * 60_000 }, perAccount: { max: 3, windowMs: 15 * 60_000 } },
} satisfies Record<string, { perAddress: Allowance; perAccount: Allowance }>;

export type LimitName = keyof typeof RATE_LIMITS;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Puts the route under one of the request rate limits of RATE_LIMITS. */
    limit?: LimitName;
  }
}

// `isExceeded` is the verdict (`isAllowed` only means "on the allow list").
type Limiter = (req: FastifyRequest) => Promise<{ isExceeded?: boolean; ttlInSeconds?: number }>;

/**
 * Who "the account" is: the signed-in caller, else the login or address the body names (login, registration and
 * password reset are asked before anyone is signed in), so one name cannot be hammered from many addresses.
 */
function accountKey(req: FastifyRequest): string | null {
  if (req.principal) return `a:${req.principal.accountId}`;
  const body = req.body as Record<string, unknown> | null | undefined;
  const named = body && typeof body === 'object' ? (body.login ?? body.email ?? body.phone) : undefined;
  return typeof named === 'string' && named.trim() !== '' ? `n:${named.trim().toLowerCase()}` : null;
}

export const rateLimitsPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  await app.register(rateLimit, { global: false });
  const scale = ctx.config.rateLimitScale;
  const limiters = new Map<LimitName, { byAddress: Limiter; byAccount: Limiter }>();
  for (const [name, rule] of Object.entries(RATE_LIMITS) as Array<[LimitName, (typeof RATE_LIMITS)[LimitName]]>) {
    const make = (a: Allowance, key: (req: FastifyRequest) => string) =>
      app.createRateLimit({ max: a.max * scale, timeWindow: a.windowMs, keyGenerator: key }) as unknown as Limiter;
    limiters.set(name, {
      byAddress: make(rule.perAddress, (req) => `${name}|ip|${req.ip}`),
      byAccount: make(rule.perAccount, (req) => `${name}|${accountKey(req)}`),
    });
  }

  app.addHook('onRoute', (route) => {
    const name = route.config?.limit;
    if (!name) return;
    const limit = limiters.get(name);
    if (!limit) throw new Error(`unknown rate limit "${name}" on ${route.url}`);
    // preHandler: the caller is known (auth runs in preValidation) and the body has been checked.
    const hook = async (req: FastifyRequest) => {
      const results = [await limit.byAddress(req)];
      if (accountKey(req) !== null) results.push(await limit.byAccount(req));
      const refused = results.filter((r) => r.isExceeded === true);
      if (refused.length === 0) return;
      const retryAfter = Math.max(1, ...refused.map((r) => r.ttlInSeconds ?? 1));
      req.log.warn({ event: 'rate_limited', limit: name, ip: req.ip, account: req.principal?.accountId ?? null });
      throw tooMany('Too many requests. Slow down and try again shortly.', retryAfter);
    };
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });
});
