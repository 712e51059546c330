// The device link over HTTP: a device's link secret, its health and exceptions, remote configuration commands,
// a site's Exception tab and the portal's counts, and the EMQX-format HTTP auth/ACL hooks for an external broker.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  COMMAND_LABELS,
  COMMAND_TYPES,
  CommandParams,
  EXCEPTION_KINDS,
  HealthMessage,
  CommandTypeSchema,
  deviceMay,
} from '../../device-link/protocol.ts';
import { sendCommand } from '../../services/device-commands.ts';
import {
  authenticateDevice,
  countOrgExceptions,
  getDeviceHealth,
  issueLinkSecret,
  listSiteExceptions,
} from '../../services/device-health.ts';
import { linkMetrics } from '../../device-link/metrics.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, Strict, nullable, problemResponses } from '../schemas/common.ts';
import { OrgParams, SiteParams } from '../schemas/installer.ts';

const tags = ['device link'];

const ExceptionItem = Strict({
  id: Type.String(),
  deviceId: Type.String(),
  deviceName: Type.String(),
  channel: nullable(Type.Integer({ description: 'null: the whole device' })),
  kind: Type.String({ description: `One of ${EXCEPTION_KINDS.join(', ')}` }),
  label: Type.String(),
  detail: Type.String(),
  raisedAt: Millis,
  clearedAt: nullable(Millis),
});

const HealthReport = Strict({ reportedAt: Millis, report: HealthMessage });

const DeviceHealth = Strict({
  deviceId: Type.String(),
  name: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: nullable(Millis),
  linked: Type.Boolean({ description: 'The device has a link secret (it can connect)' }),
  health: nullable(HealthReport),
  history: Type.Array(HealthReport),
  exceptions: Type.Array(ExceptionItem),
});

const CommandBody = Strict({
  type: CommandTypeSchema,
  params: Type.Optional(
    Strict(
      {
        timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        channel: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        slot: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
      },
      { description: 'As the command type needs (see GET /api/device-commands)' },
    ),
  ),
  confirm: Type.Optional(Type.Boolean({ description: 'true is required for format_storage' })),
});

const CommandAnswer = Strict({
  id: Type.String(),
  type: Type.String(),
  ok: Type.Boolean(),
  result: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  error: Type.Optional(Strict({ code: Type.String(), message: Type.String() })),
  answeredAt: Millis,
});

// EMQX's HTTP authentication / authorization contract: its request bodies are whatever the operator's template
// says, so unknown fields are ignored; the answer is always 200 with {"result": "allow" | "deny" | "ignore"}.
const Text = Type.Optional(Type.String({ maxLength: 1024 }));
const EmqxAuthBody = Type.Object({ clientid: Text, username: Text, password: Text }, { additionalProperties: true });
const EmqxAclBody = Type.Object(
  { clientid: Text, username: Text, topic: Text, action: Text },
  { additionalProperties: true },
);
const EmqxResult = Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('ignore')]);

export const deviceLinkRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/devices/:id/link-secret',
    {
      schema: {
        operationId: 'issueDeviceLinkSecret',
        tags,
        summary: "Owner: (re)issue the device's MQTT secret (username = device id); shown once",
        params: IdParam,
        response: {
          201: Strict({
            deviceId: Type.String(),
            username: Type.String(),
            secret: Type.String(),
            topicRoot: Type.String(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const secret = await issueLinkSecret(ctx, requirePrincipal(request).accountId, request.params.id);
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(secret);
    },
  );

  app.get(
    '/api/devices/:id/health',
    {
      schema: {
        operationId: 'getDeviceHealth',
        tags,
        summary: 'Online state, the latest health report, recent reports and exceptions',
        description:
          'The owner, and organizations holding the device or a valid Configuration or Alarm Notifications ' +
          'authorization on it. An installer without either gets 403; anyone else 404.',
        params: IdParam,
        response: { 200: DeviceHealth, ...problemResponses },
      },
    },
    async (request) => getDeviceHealth(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/devices/:id/commands',
    {
      schema: {
        operationId: 'sendDeviceCommand',
        tags,
        summary: 'Remote configuration: send a command to the device and wait for its answer',
        description:
          'Needs Configuration on the device. 409 when the device is offline, 504 when it does not answer in time. ' +
          'A device that refuses or fails answers 200 with ok: false and its error.',
        params: IdParam,
        body: CommandBody,
        response: {
          200: CommandAnswer,
          ...problemResponses,
          504: { ...problemResponses['4xx'], description: 'The device did not answer in time (problem+json)' },
        },
      },
    },
    async (request) => sendCommand(ctx, requirePrincipal(request).accountId, request.params.id, request.body),
  );

  app.get(
    '/api/device-commands',
    {
      schema: {
        operationId: 'listDeviceCommands',
        tags,
        summary: 'The command catalog: each type with its label and the JSON Schema of its parameters',
        response: {
          200: Type.Array(
            Strict({ type: Type.String(), label: Type.String(), params: Type.Unknown(), confirm: Type.Boolean() }),
          ),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return COMMAND_TYPES.map((t) => ({
        type: t,
        label: COMMAND_LABELS[t],
        params: CommandParams[t],
        confirm: t === 'format_storage',
      }));
    },
  );

  app.get(
    '/api/sites/:siteId/exceptions',
    {
      schema: {
        operationId: 'listSiteExceptions',
        tags,
        summary: "The site's Exception tab: exceptions of its devices the organization may see, open ones first",
        params: SiteParams,
        response: { 200: Strict({ open: Type.Integer(), items: Type.Array(ExceptionItem) }), ...problemResponses },
      },
    },
    async (request) => listSiteExceptions(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.get(
    '/api/orgs/:orgId/exception-counts',
    {
      schema: {
        operationId: 'countOrgExceptions',
        tags,
        summary: 'Open exceptions per site of the organization (the portal)',
        params: OrgParams,
        response: {
          200: Type.Array(Strict({ siteId: Type.String(), open: Type.Integer() })),
          ...problemResponses,
        },
      },
    },
    async (request) => countOrgExceptions(ctx, requirePrincipal(request).accountId, request.params.orgId),
  );

  app.post(
    '/mqtt/auth',
    {
      bodyLimit: 16 * 1024,
      schema: {
        operationId: 'emqxAuthenticate',
        tags,
        summary: 'EMQX HTTP authentication for devices: allow, deny, or ignore (not a device username)',
        security: [],
        body: EmqxAuthBody,
        response: { 200: Strict({ result: EmqxResult, is_superuser: Type.Boolean() }), ...problemResponses },
      },
    },
    async (request) => {
      const { clientid, username, password } = request.body;
      if (!username || !username.startsWith('dev_')) return { result: 'ignore' as const, is_superuser: false };
      const ok = clientid === username && (await authenticateDevice(ctx, username, password ?? ''));
      if (!ok) {
        linkMetrics(ctx).refused.inc({ what: 'connect' });
        request.log.warn({ clientId: (clientid ?? '').slice(0, 64) }, 'device link refused: bad credentials');
      }
      return { result: ok ? ('allow' as const) : ('deny' as const), is_superuser: false };
    },
  );

  app.post(
    '/mqtt/acl',
    {
      bodyLimit: 16 * 1024,
      schema: {
        operationId: 'emqxAuthorize',
        tags,
        summary: 'EMQX HTTP authorization for devices: a device publishes and subscribes only its own topics',
        security: [],
        body: EmqxAclBody,
        response: { 200: Strict({ result: EmqxResult }), ...problemResponses },
      },
    },
    async (request) => {
      const { username, clientid, topic, action } = request.body;
      if (!username || !username.startsWith('dev_')) return { result: 'ignore' as const };
      const allowed =
        clientid === username &&
        (action === 'publish' || action === 'subscribe') &&
        typeof topic === 'string' &&
        deviceMay(ctx.config.deviceLink.topicPrefix, username, action, topic);
      if (!allowed) {
        linkMetrics(ctx).refused.inc({ what: action === 'subscribe' ? 'subscribe' : 'publish' });
        request.log.warn({ clientId: username, topic: (topic ?? '').slice(0, 200), action }, 'device link refused');
      }
      return { result: allowed ? ('allow' as const) : ('deny' as const) };
    },
  );
};
