import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as sites from '../../services/sites.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Ok, problemResponses } from '../schemas/common.ts';
import {
  AddDeviceBody,
  CreateSiteBody,
  OrgParams,
  Site,
  SiteDeviceParams,
  SiteParams,
  UpdateSiteBody,
} from '../schemas/installer.ts';

const tags = ['installer sites'];

export const siteRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/orgs/:orgId/sites',
    {
      schema: {
        tags,
        operationId: 'createSite',
        summary: 'Create a site (members)',
        params: OrgParams,
        body: CreateSiteBody,
        response: { 201: Site, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await sites.createSite(ctx, requirePrincipal(request).accountId, request.params.orgId, request.body)),
  );

  app.get(
    '/api/orgs/:orgId/sites',
    {
      schema: {
        tags,
        operationId: 'listSites',
        summary:
          "The organization's sites with their status and devices, and per device what the organization may do now",
        params: OrgParams,
        response: { 200: Type.Array(Site), ...problemResponses },
      },
    },
    async (request) => sites.listSites(ctx, requirePrincipal(request).accountId, request.params.orgId),
  );

  app.get(
    '/api/sites/:siteId',
    {
      schema: {
        tags,
        operationId: 'getSite',
        summary: 'One site',
        params: SiteParams,
        response: { 200: Site, ...problemResponses },
      },
    },
    async (request) => sites.getSite(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.patch(
    '/api/sites/:siteId',
    {
      schema: {
        tags,
        operationId: 'updateSite',
        summary: 'Rename a site or change its address or time zone',
        params: SiteParams,
        body: UpdateSiteBody,
        response: { 200: Site, ...problemResponses },
      },
    },
    async (request) => sites.updateSite(ctx, requirePrincipal(request).accountId, request.params.siteId, request.body),
  );

  app.delete(
    '/api/sites/:siteId',
    {
      schema: {
        tags,
        operationId: 'deleteSite',
        summary: 'Delete an empty site (admins)',
        params: SiteParams,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await sites.deleteSite(ctx, requirePrincipal(request).accountId, request.params.siteId);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/sites/:siteId/devices',
    {
      config: { limit: 'bind' },
      schema: {
        tags,
        operationId: 'addSiteDevice',
        summary: 'Add a device by serial + verification code; the organization holds it until handover',
        params: SiteParams,
        body: AddDeviceBody,
        response: { 201: Type.Object({ site: Site, deviceId: Type.String() }), ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await sites.addDevice(ctx, requirePrincipal(request).accountId, request.params.siteId, request.body)),
  );

  app.delete(
    '/api/sites/:siteId/devices/:deviceId',
    {
      schema: {
        tags,
        operationId: 'removeSiteDevice',
        summary: 'Take a device off the site (before handover it becomes free again; after, the owner keeps it)',
        params: SiteDeviceParams,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await sites.removeDevice(
        ctx,
        requirePrincipal(request).accountId,
        request.params.siteId,
        request.params.deviceId,
      );
      return { ok: true as const };
    },
  );
};
