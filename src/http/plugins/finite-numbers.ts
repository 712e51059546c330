// Ajv coerces query and path strings such as "1e400" or "Infinity" to Infinity and then lets them past
// integer/maximum checks; such a value must be refused as bad input before it reaches a query.
import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../domain/errors.ts';

/** The path (keys from the outside in) to the first non-finite number, or null. Built only when one is found. */
function nonFiniteAt(value: unknown): string[] | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : [];
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const found = nonFiniteAt((value as Record<string, unknown>)[keys[i]!]);
      if (found !== null) {
        found.unshift(keys[i]!);
        return found;
      }
    }
  }
  return null;
}

/** Only object parts are walked (a raw text or buffer body is the route's business). */
const inPart = (part: unknown) => (typeof part === 'object' && part !== null ? nonFiniteAt(part) : null);

export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  // A callback hook: it runs on every request, and a promise per request is measurable on the hot routes.
  app.addHook('preHandler', (request, _reply, done) => {
    const found = inPart(request.params) ?? inPart(request.query) ?? inPart(request.body);
    if (found === null) return done();
    const field = found.join('.');
    done(invalidInput(`"${field}" must be a finite number.`, 'not_finite', field));
  });
}
