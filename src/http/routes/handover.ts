import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as handover from '../../services/handover.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { answerInReaderWords } from '../validity-words.ts';
import { problemResponses } from '../schemas/common.ts';
import { AcceptBody, Invitation, InvitationParams, InviteOwnerBody, SiteParams } from '../schemas/installer.ts';

const tags = ['handover'];

export const handoverRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  answerInReaderWords(app, ctx);
  app.post(
    '/api/sites/:siteId/handover',
    {
      schema: {
        tags,
        operationId: 'createHandover',
        summary:
          "Invite the site's owner by email or phone, listing the permissions the installer asks to keep per device",
        params: SiteParams,
        body: InviteOwnerBody,
        response: { 201: Invitation, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await handover.inviteOwner(ctx, requirePrincipal(request).accountId, request.params.siteId, request.body),
        ),
  );

  app.get(
    '/api/sites/:siteId/handover',
    {
      schema: {
        tags,
        operationId: 'getHandover',
        summary: "The site's latest handover invitation",
        params: SiteParams,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) => handover.siteInvitation(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.post(
    '/api/sites/:siteId/handover/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelHandover',
        summary: 'Cancel the pending invitation',
        params: SiteParams,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) => handover.cancelInvitation(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.post(
    '/api/sites/:siteId/handover/resend',
    {
      schema: {
        tags,
        operationId: 'resendHandover',
        summary: 'Send the invitation again with a fresh expiry',
        params: SiteParams,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) => handover.resendInvitation(ctx, requirePrincipal(request).accountId, request.params.siteId),
  );

  app.get(
    '/api/handover-invitations',
    {
      schema: {
        tags,
        operationId: 'listHandoverInvitations',
        summary: 'Handover invitations delivered to me',
        response: { 200: Type.Array(Invitation), ...problemResponses },
      },
    },
    async (request) => handover.myInvitations(ctx, requirePrincipal(request).accountId),
  );

  app.get(
    '/api/handover-invitations/:invitationId',
    {
      schema: {
        tags,
        operationId: 'getHandoverInvitation',
        summary: 'One invitation delivered to me ("View now")',
        params: InvitationParams,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) => handover.getMyInvitation(ctx, requirePrincipal(request).accountId, request.params.invitationId),
  );

  app.post(
    '/api/handover-invitations/:invitationId/accept',
    {
      // A bare POST (no body) agrees to everything asked, as the app's "Accept" button does.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) (request as { body: unknown }).body = {};
      },
      schema: {
        tags,
        operationId: 'acceptHandoverInvitation',
        summary: 'Accept: the devices become mine and the installer keeps exactly what I agree to',
        params: InvitationParams,
        body: AcceptBody,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) =>
      handover.acceptInvitation(
        ctx,
        requirePrincipal(request).accountId,
        request.params.invitationId,
        request.body?.devices,
      ),
  );

  app.post(
    '/api/handover-invitations/:invitationId/decline',
    {
      schema: {
        tags,
        operationId: 'declineHandoverInvitation',
        summary: 'Decline the invitation',
        params: InvitationParams,
        response: { 200: Invitation, ...problemResponses },
      },
    },
    async (request) =>
      handover.declineInvitation(ctx, requirePrincipal(request).accountId, request.params.invitationId),
  );
};
