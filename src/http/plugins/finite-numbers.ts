// Ajv coerces query and path strings such as "1e400" or "Infinity" to Infinity and then lets them past
// integer/maximum checks; such a value must be refused as bad input before it reaches a query.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../domain/errors.ts';

function nonFiniteAt(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const found = nonFiniteAt(v, path ? `${path}.${key}` : key);
      if (found !== null) return found;
    }
  }
  return null;
}

export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  // A callback hook: it runs on every request, and a promise per request is measurable on the hot routes.
  app.addHook('preHandler', (request, _reply, done) => {
    for (const part of [request.params, request.query, request.body]) {
      if (Buffer.isBuffer(part) || typeof part !== 'object' || part === null) continue;
      const field = nonFiniteAt(part, '');
      if (field !== null) return done(invalid(`"${field}" must be a finite number.`, field));
    }
    done();
  });
}
