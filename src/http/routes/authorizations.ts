import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as authz from '../../services/authorizations.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Strict, problemResponses } from '../schemas/common.ts';
import {
  Authorization,
  AuthorizationChange,
  DeviceAuthorizations,
  DeviceOrgParams,
  DeviceOrgPermissionParams,
  DeviceParams,
  EntrustBody,
  OrgDevicePermissionParams,
  OrgParams,
  OrgPublic,
  SetPermissionsBody,
} from '../schemas/installer.ts';

const tags = ['authorization service'];

export const authorizationRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices/:id/authorizations',
    {
      schema: {
        tags,
        operationId: 'listDeviceAuthorizations',
        summary:
          "My device's Authorization Service: which organization is authorized, each permission with its validity",
        params: DeviceParams,
        response: { 200: DeviceAuthorizations, ...problemResponses },
      },
    },
    async (request) => authz.deviceAuthorizations(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.put(
    '/api/devices/:id/authorizations/:orgId',
    {
      schema: {
        tags,
        operationId: 'setDeviceAuthorization',
        summary: 'Set exactly these permissions for the organization on my device (grant, edit; leave out to withdraw)',
        params: DeviceOrgParams,
        body: SetPermissionsBody,
        response: { 200: AuthorizationChange, ...problemResponses },
      },
    },
    async (request) =>
      authz.setDevicePermissions(
        ctx,
        requirePrincipal(request).accountId,
        request.params.id,
        request.params.orgId,
        request.body.permissions,
      ),
  );

  app.delete(
    '/api/devices/:id/authorizations/:orgId/permissions/:permission',
    {
      schema: {
        tags,
        operationId: 'withdrawAuthorizationPermission',
        summary: 'Withdraw one permission',
        params: DeviceOrgPermissionParams,
        response: { 200: AuthorizationChange, ...problemResponses },
      },
    },
    async (request) =>
      authz.withdrawPermission(
        ctx,
        requirePrincipal(request).accountId,
        request.params.id,
        request.params.orgId,
        request.params.permission,
      ),
  );

  app.delete(
    '/api/devices/:id/authorizations/:orgId',
    {
      schema: {
        tags,
        operationId: 'cancelDeviceAuthorization',
        summary: 'Cancel the authorization altogether',
        params: DeviceOrgParams,
        response: { 200: Strict({ ok: Type.Literal(true), warning: Type.String() }), ...problemResponses },
      },
    },
    async (request) =>
      authz.cancelAuthorization(ctx, requirePrincipal(request).accountId, request.params.id, request.params.orgId),
  );

  app.get(
    '/api/authorized-devices',
    {
      schema: {
        tags,
        operationId: 'listAuthorizedDevices',
        summary: 'Authorized devices: every device of mine with an authorization',
        response: { 200: Type.Array(Authorization), ...problemResponses },
      },
    },
    async (request) => authz.authorizedDevices(ctx, requirePrincipal(request).accountId),
  );

  app.get(
    '/api/orgs/:orgId/authorized-devices',
    {
      schema: {
        tags,
        operationId: 'listOrgAuthorizedDevices',
        summary:
          "The installer's view: every device the organization is authorized on (site or entrusted), with each permission",
        params: OrgParams,
        response: { 200: Type.Array(Authorization), ...problemResponses },
      },
    },
    async (request) => authz.orgAuthorizedDevices(ctx, requirePrincipal(request).accountId, request.params.orgId),
  );

  app.post(
    '/api/authorizations',
    {
      schema: {
        tags,
        operationId: 'entrustDevices',
        summary: 'Entrust devices directly: authorize an organization (by id or QR text) on some of my devices',
        body: EntrustBody,
        response: {
          201: Type.Object({ org: OrgPublic, authorizations: Type.Array(Authorization) }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await authz.entrust(ctx, requirePrincipal(request).accountId, request.body)),
  );

  app.delete(
    '/api/orgs/:orgId/authorizations/:deviceId/permissions/:permission',
    {
      schema: {
        tags,
        operationId: 'releaseAuthorizationPermission',
        summary: 'Installer: release a permission before it ends',
        params: OrgDevicePermissionParams,
        response: {
          200: Type.Object({ authorization: Type.Union([Authorization, Type.Null()]) }),
          ...problemResponses,
        },
      },
    },
    async (request) =>
      authz.releasePermission(
        ctx,
        requirePrincipal(request).accountId,
        request.params.orgId,
        request.params.deviceId,
        request.params.permission,
      ),
  );
};
