// The owner's devices: bind, view, rename, unbind, the device's audit trail, ownership transfer.
// (The Home list, GET /api/devices, lives with sharing: it also shows devices shared with me.)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  bindDevice,
  getOwnedDevice,
  listDeviceAudit,
  renameChannel,
  renameDevice,
  unbindDevice,
} from '../../services/devices.ts';
import {
  acceptTransfer,
  cancelTransfer,
  declineTransfer,
  getTransfer,
  listMyTransfers,
  startTransfer,
} from '../../services/device-transfers.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Ok, problemResponses } from '../schemas/common.ts';
import {
  AuditPage,
  AuditQuery,
  BindBody,
  ChannelParams,
  Device,
  NameBody,
  Transfer,
  TransferBody,
  TransferList,
  UnbindResult,
} from '../schemas/devices.ts';

export const deviceRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/devices/bind',
    {
      config: { limit: 'bind' },
      schema: {
        tags: ['devices'],
        operationId: 'bindDevice',
        summary: 'Bind a device to my account with its serial number and the verification code on its label',
        description:
          'Wrong code: 400. After 5 wrong codes for one serial, further tries are refused (429) for 15 minutes. ' +
          'Unknown serial: 404. Already bound to another account: 409.',
        body: BindBody,
        response: { 201: Device, ...problemResponses },
      },
    },
    async (request, reply) => {
      const me = requirePrincipal(request);
      return reply.status(201).send(await bindDevice(ctx, me.accountId, request.body));
    },
  );

  app.get(
    '/api/devices/:id',
    {
      schema: {
        tags: ['devices'],
        operationId: 'getDevice',
        summary: 'One of my devices, with its channels',
        params: IdParam,
        response: { 200: Device, ...problemResponses },
      },
    },
    async (request) => getOwnedDevice(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.patch(
    '/api/devices/:id',
    {
      schema: {
        tags: ['devices'],
        operationId: 'renameDevice',
        summary: 'Rename one of my devices',
        params: IdParam,
        body: NameBody,
        response: { 200: Device, ...problemResponses },
      },
    },
    async (request) => renameDevice(ctx, requirePrincipal(request).accountId, request.params.id, request.body.name),
  );

  app.patch(
    '/api/devices/:id/channels/:number',
    {
      schema: {
        tags: ['devices'],
        operationId: 'renameChannel',
        summary: 'Rename a channel of one of my devices',
        params: ChannelParams,
        body: NameBody,
        response: { 200: Device, ...problemResponses },
      },
    },
    async (request) =>
      renameChannel(
        ctx,
        requirePrincipal(request).accountId,
        request.params.id,
        request.params.number,
        request.body.name,
      ),
  );

  app.delete(
    '/api/devices/:id',
    {
      schema: {
        tags: ['devices'],
        operationId: 'unbindDevice',
        summary:
          'Unbind one of my devices: it returns to the registry and every share and installer authorization on it ends',
        params: IdParam,
        response: { 200: UnbindResult, ...problemResponses },
      },
    },
    async (request) => {
      const result = await unbindDevice(ctx, requirePrincipal(request).accountId, request.params.id);
      return { ok: true as const, ...result };
    },
  );

  app.get(
    '/api/devices/:id/audit',
    {
      schema: {
        tags: ['devices'],
        operationId: 'getDeviceAudit',
        summary:
          'What happened to one of my devices since I own it (binding, renames, shares, authorizations, tickets), newest first',
        params: IdParam,
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problemResponses },
      },
    },
    async (request) =>
      listDeviceAudit(ctx, requirePrincipal(request).accountId, request.params.id, {
        limit: request.query.limit ?? 50,
        before: request.query.before,
      }),
  );

  app.post(
    '/api/devices/:id/transfer',
    {
      schema: {
        tags: ['devices'],
        operationId: 'offerDeviceTransfer',
        summary: 'Offer one of my devices to another account; it becomes theirs when they accept',
        params: IdParam,
        body: TransferBody,
        response: { 201: Transfer, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await startTransfer(ctx, requirePrincipal(request).accountId, request.params.id, request.body)),
  );

  app.delete(
    '/api/devices/:id/transfer',
    {
      schema: {
        tags: ['devices'],
        operationId: 'withdrawDeviceTransfer',
        summary: 'Withdraw the open transfer offer of one of my devices',
        params: IdParam,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await cancelTransfer(ctx, requirePrincipal(request).accountId, request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/transfers',
    {
      schema: {
        tags: ['devices'],
        operationId: 'listTransfers',
        summary: 'Open transfer offers: ones waiting for my answer and ones I made',
        response: { 200: TransferList, ...problemResponses },
      },
    },
    async (request) => listMyTransfers(ctx, requirePrincipal(request).accountId),
  );

  app.get(
    '/api/transfers/:id',
    {
      schema: {
        tags: ['devices'],
        operationId: 'getTransfer',
        summary: 'One transfer I made or received',
        params: IdParam,
        response: { 200: Transfer, ...problemResponses },
      },
    },
    async (request) => getTransfer(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/transfers/:id/accept',
    {
      schema: {
        tags: ['devices'],
        operationId: 'acceptTransfer',
        summary: 'Accept a device offered to me: I become its owner; its shares and installer authorizations end',
        params: IdParam,
        response: { 200: Transfer, ...problemResponses },
      },
    },
    async (request) => acceptTransfer(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/transfers/:id/decline',
    {
      schema: {
        tags: ['devices'],
        operationId: 'declineTransfer',
        summary: 'Decline a device offered to me',
        params: IdParam,
        response: { 200: Transfer, ...problemResponses },
      },
    },
    async (request) => declineTransfer(ctx, requirePrincipal(request).accountId, request.params.id),
  );
};
