import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as applications from '../../services/applications.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { answerInReaderWords } from '../validity-words.ts';
import { problemResponses } from '../schemas/common.ts';
import {
  Application,
  ApplicationParams,
  ApplicationsQuery,
  ApplyBody,
  DecideBody,
  DecisionResult,
  SiteParams,
} from '../schemas/installer.ts';

const tags = ['permission applications'];

export const applicationRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  answerInReaderWords(app, ctx);
  app.post(
    '/api/sites/:siteId/applications',
    {
      schema: {
        tags,
        operationId: 'createApplications',
        summary: 'Installer: apply to the owner for permissions on devices of the site (one application per device)',
        params: SiteParams,
        body: ApplyBody,
        response: { 201: Type.Array(Application), ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await applications.apply(ctx, requirePrincipal(request).accountId, request.params.siteId, request.body)),
  );

  app.get(
    '/api/sites/:siteId/applications',
    {
      schema: {
        tags,
        operationId: 'listSiteApplications',
        summary: "Installer: the site's applications",
        params: SiteParams,
        response: { 200: Type.Array(Application), ...problemResponses },
      },
    },
    async (request) => applications.siteApplications(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.post(
    '/api/applications/:applicationId/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelApplication',
        summary: 'Installer: withdraw an application',
        params: ApplicationParams,
        response: { 200: Application, ...problemResponses },
      },
    },
    async (request) =>
      applications.cancelApplication(ctx, requirePrincipal(request).accountId, request.params.applicationId),
  );

  app.get(
    '/api/applications',
    {
      schema: {
        tags,
        operationId: 'listApplications',
        summary: 'Owner: applications for my devices (pending ones unless all=true)',
        querystring: ApplicationsQuery,
        response: { 200: Type.Array(Application), ...problemResponses },
      },
    },
    async (request) =>
      applications.myApplications(ctx, requirePrincipal(request).accountId, { all: request.query.all === true }),
  );

  app.get(
    '/api/applications/:applicationId',
    {
      schema: {
        tags,
        operationId: 'getApplication',
        summary: 'Owner: one application',
        params: ApplicationParams,
        response: { 200: Application, ...problemResponses },
      },
    },
    async (request) =>
      applications.getApplication(ctx, requirePrincipal(request).accountId, request.params.applicationId),
  );

  for (const decision of ['agree', 'reject'] as const) {
    app.post(
      `/api/applications/:applicationId/${decision}`,
      {
        schema: {
          tags,
          operationId: decision === 'agree' ? 'agreeApplication' : 'rejectApplication',
          summary: decision === 'agree' ? 'Owner: agree to one application' : 'Owner: reject one application',
          params: ApplicationParams,
          response: { 200: DecisionResult, ...problemResponses },
        },
      },
      async (request) =>
        applications.decideApplications(
          ctx,
          requirePrincipal(request).accountId,
          [request.params.applicationId],
          decision,
        ),
    );
  }

  app.post(
    '/api/applications/decide',
    {
      schema: {
        tags,
        operationId: 'decideApplications',
        summary: 'Owner: agree to or reject several applications at once (all or nothing)',
        body: DecideBody,
        response: { 200: DecisionResult, ...problemResponses },
      },
    },
    async (request) =>
      applications.decideApplications(
        ctx,
        requirePrincipal(request).accountId,
        request.body.applicationIds,
        request.body.decision,
      ),
  );
};
