// Co-managers: the owner makes, lists and removes the managers of a device; a manager lists what they manage.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  addManager,
  addManagerOfDevices,
  listManagedDevices,
  listManagers,
  MAX_MANAGED_AT_ONCE,
  removeManager,
} from '../../services/managers.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, Strict, problemResponses } from '../schemas/common.ts';
import { RecipientBody } from '../schemas/sharing.ts';

const tags = ['managers'];

const ManagerView = Strict({
  accountId: Type.String(),
  displayName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  since: Millis,
});

const ManagedDevice = Strict({
  deviceId: Type.String(),
  name: Type.String(),
  model: Type.String(),
  kind: Type.String(),
  online: Type.Boolean(),
  supportsSharing: Type.Boolean(),
  channelCount: Type.Integer(),
  owner: Strict({ id: Type.String(), displayName: Type.String() }),
  since: Millis,
});

const ManagerParams = Strict({
  id: IdParam.properties.id,
  accountId: IdParam.properties.id,
});

export const managerRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices/:id/managers',
    {
      schema: {
        operationId: 'listDeviceManagers',
        tags,
        summary: "The device's managers (its owner and its managers see them)",
        params: IdParam,
        response: { 200: Type.Array(ManagerView), ...problemResponses },
      },
    },
    async (request) => listManagers(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/devices/:id/managers',
    {
      schema: {
        operationId: 'addDeviceManager',
        tags,
        summary: 'Make a person a manager of the device (owner only); pick them like a share recipient',
        params: IdParam,
        body: Strict({ manager: RecipientBody }),
        response: { 201: ManagerView, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await addManager(ctx, requirePrincipal(request).accountId, request.params.id, request.body.manager)),
  );

  app.post(
    '/api/managers',
    {
      schema: {
        operationId: 'addManagerOfDevices',
        tags,
        summary:
          "Make a person a manager of several of my devices at once, or of all of them ('all': every device I own now; devices bound later are not included)",
        body: Strict({
          manager: RecipientBody,
          devices: Type.Union([
            Type.Literal('all'),
            Type.Array(IdParam.properties.id, { minItems: 1, maxItems: MAX_MANAGED_AT_ONCE }),
          ]),
        }),
        response: {
          201: Strict({
            manager: Strict({
              accountId: Type.String(),
              displayName: Type.String(),
              email: Type.Union([Type.String(), Type.Null()]),
            }),
            added: Type.Array(Strict({ deviceId: Type.String(), name: Type.String() })),
            alreadyManaged: Type.Array(Strict({ deviceId: Type.String(), name: Type.String() })),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await addManagerOfDevices(
            ctx,
            requirePrincipal(request).accountId,
            request.body.manager,
            request.body.devices,
          ),
        ),
  );

  app.delete(
    '/api/devices/:id/managers/:accountId',
    {
      schema: {
        operationId: 'removeDeviceManager',
        tags,
        summary: 'Remove a manager (owner only), or step down as a manager (the manager themselves)',
        params: ManagerParams,
        response: { 200: Strict({ ok: Type.Literal(true) }), ...problemResponses },
      },
    },
    async (request) => {
      await removeManager(ctx, requirePrincipal(request).accountId, request.params.id, request.params.accountId);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/managed-devices',
    {
      schema: {
        operationId: 'listManagedDevices',
        tags,
        summary: 'Devices I manage for their owners',
        response: { 200: Type.Array(ManagedDevice), ...problemResponses },
      },
    },
    async (request) => listManagedDevices(ctx, requirePrincipal(request).accountId),
  );
};
