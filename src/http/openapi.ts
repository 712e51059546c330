// The OpenAPI document as client generators and linters see it: named schemas, declared tags, problem+json errors
// per status, servers, license and contact. Routes bring their own operationId, tags, summary and schemas; this
// module adds what is common to all of them (`npm test` lints the result: test/integration/openapi.test.ts).
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { Config } from '../config.ts';
import { VERSION } from '../version.ts';
import { Problem } from './schemas/common.ts';

/** Every tag a route may use, with the description tools show. A route with an undeclared tag fails the lint test. */
export const TAGS: Array<{ name: string; description: string }> = [
  { name: 'operations', description: 'Liveness and readiness for load balancers and orchestrators.' },
  {
    name: 'device link',
    description: 'Devices over MQTT: their secrets, health, exceptions, remote commands, and the broker hooks.',
  },
  { name: 'push', description: 'Web Push: the VAPID key and this browser’s subscription to push notifications.' },
  { name: 'accounts', description: 'Registration, login, sessions, verification of email and phone.' },
  { name: 'qr', description: 'Personal QR IDs: show, rotate, and resolve a scanned one to a person.' },
  { name: 'devices', description: 'Binding devices, renaming them and their channels, audit, ownership transfer.' },
  { name: 'sharing', description: 'Sharing devices or chosen channels with people, for chosen features and times.' },
  {
    name: 'managers',
    description:
      'Co-managers: people an owner lets run a device with them (share, answer installers, see its history).',
  },
  {
    name: 'guest',
    description:
      "A guest link's watch page, without an account: the link's token exchanged for a guest session, then stream tickets.",
  },
  { name: 'access', description: 'The access decision: who may do what on which device channel, now or at a time.' },
  { name: 'streams', description: 'Stream tickets, their signing keys, and the MediaMTX authentication hook.' },
  { name: 'inbox', description: 'Messages to the signed-in person: invitations, applications, notices.' },
  { name: 'installer organizations', description: 'Installer organizations, their members and invitations.' },
  { name: 'installer sites', description: 'Sites of an organization and the devices installed there.' },
  { name: 'handover', description: 'Handing a site over to its owner, who decides what the installer keeps.' },
  {
    name: 'authorization service',
    description: "The owner's authorizations of organizations on devices, permission by permission.",
  },
  { name: 'permission applications', description: 'Installers applying to owners for permissions; owners deciding.' },
  { name: 'admin', description: 'Operator-only: the device registry and signing keys.' },
  {
    name: 'webhooks',
    description: 'Endpoints of a person or an organization that receive signed events (Standard Webhooks).',
  },
];

/** The problem+json answers, by status, that operations declare (RFC 9457 body: the Problem schema). */
const PROBLEMS: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'The input was wrong; `detail` says what and `field` where.' },
  '401': { name: 'Unauthorized', description: 'Not logged in, or the token or session is not valid.' },
  '403': { name: 'Forbidden', description: 'Logged in, but not allowed; `code` gives the reason.' },
  '404': { name: 'NotFound', description: 'No such object, or not one the caller may see.' },
  '409': { name: 'Conflict', description: 'The object is not in a state that allows this.' },
  '413': { name: 'PayloadTooLarge', description: 'The request body is larger than this operation accepts.' },
  '429': { name: 'TooManyRequests', description: 'Throttled; `Retry-After` says when to try again.' },
};

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};
type Document = {
  paths?: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/**
 * Replaces the routes' catch-all `4xx` response with the statuses an operation can really answer, each a reference
 * to a shared problem+json response: 401/403 only where a login is needed, 409 only for changes, 413 only with a body.
 */
export function declareProblems(doc: Document): Document {
  doc.components ??= {};
  doc.components.responses ??= {};
  doc.components.schemas ??= {};
  const { $id: _id, ...problem } = Problem;
  doc.components.schemas.Problem ??= problem;
  for (const { name, description } of Object.values(PROBLEMS)) {
    doc.components.responses[name] = {
      description,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.has(method) || !op.responses) continue;
      const hadProblems = '4xx' in op.responses || '4XX' in op.responses;
      delete op.responses['4xx'];
      delete op.responses['4XX'];
      // Even a route that never refuses anything answers a malformed address with a 400 from the router.
      if (!hadProblems) {
        if (!Object.keys(op.responses).some((s) => s.startsWith('4')))
          op.responses['400'] = { $ref: '#/components/responses/BadRequest' };
        continue;
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const statuses = ['400', '404', '429'];
      if (!isPublic) statuses.push('401', '403');
      if (method !== 'get') statuses.push('409');
      if (op.requestBody) statuses.push('413');
      for (const status of statuses.sort())
        op.responses[status] ??= { $ref: `#/components/responses/${PROBLEMS[status]!.name}` };
    }
  }
  return doc;
}

export function swaggerOptions(config: Pick<Config, 'publicUrl'>): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyholder API',
        version: VERSION,
        description:
          'Who may do what with which security camera, and until when. Authenticate with `Authorization: Bearer <token>` ' +
          '(POST /api/auth/tokens) or with the session cookie plus the `x-csrf-token` header (POST /api/auth/login). ' +
          'Errors are application/problem+json (RFC 9457).',
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'Keyholder operators', url: `${config.publicUrl}/docs` },
      },
      servers: [{ url: config.publicUrl, description: 'This installation (PUBLIC_URL)' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'kh_session' },
          // Guest links' watch page (docs/sharing.md): the session got by exchanging a link's token.
          guestSession: { type: 'apiKey', in: 'header', name: 'x-guest-session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    // Shared schemas are named by their $id (`Problem`, `Account`), not `def-0`, so generated types keep their names.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transformObject: (documentObject) =>
      declareProblems((documentObject as { openapiObject: Document }).openapiObject) as never,
  };
}
