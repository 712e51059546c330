import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as orgs from '../../services/orgs.ts';
import type { ServiceContext } from '../../services/context.ts';
import { invalidInput } from '../../domain/errors.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Ok, Strict, problemResponses } from '../schemas/common.ts';
import {
  InvitationParams,
  InviteMemberBody,
  MemberInvitation,
  Org,
  OrgDetail,
  OrgInvitationParams,
  OrgMemberParams,
  OrgName,
  OrgParams,
  OrgPublic,
  OrgResolve,
  Role,
  RoleBody,
} from '../schemas/installer.ts';

const tags = ['installer organizations'];

export const orgRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/orgs',
    {
      schema: {
        tags,
        summary: 'Create an installer organization; I become its admin',
        body: OrgName,
        response: { 201: Org, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await orgs.createOrg(ctx, requirePrincipal(request).accountId, request.body)),
  );

  app.get(
    '/api/orgs',
    {
      schema: {
        tags,
        summary: 'The organizations I belong to',
        response: { 200: Type.Array(Org), ...problemResponses },
      },
    },
    async (request) => orgs.listMyOrgs(ctx, requirePrincipal(request).accountId),
  );

  app.post(
    '/api/orgs/resolve',
    {
      schema: {
        tags,
        summary: 'Pick an organization by its id or the text of its QR ID (to entrust devices to it)',
        body: OrgResolve,
        response: { 200: OrgPublic, ...problemResponses },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return orgs.orgPublicView(await orgs.resolveOrg(ctx.db, request.body.reference, 'reference'));
    },
  );

  // Raw image uploads, scoped to this plugin: a photo of an organization's QR ID is a few MB at most.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/api/orgs/resolve-image',
    {
      schema: {
        tags,
        summary: 'Pick an organization from an uploaded picture of its QR ID (raw body, image/png or image/jpeg)',
        consumes: ['image/png', 'image/jpeg'],
        response: { 200: OrgPublic, ...problemResponses },
      },
    },
    async (request) => {
      requirePrincipal(request);
      const body = request.body as unknown;
      const mime = String(request.headers['content-type'] ?? '');
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw invalidInput(
          'Send the QR image itself as the body, with content type image/png or image/jpeg.',
          'unsupported_image',
          'image',
        );
      return orgs.orgPublicView(await orgs.resolveOrgByImage(ctx.db, body, mime));
    },
  );

  app.get(
    '/api/orgs/:orgId',
    {
      schema: {
        tags,
        summary: 'An organization I belong to, with its members',
        params: OrgParams,
        response: { 200: OrgDetail, ...problemResponses },
      },
    },
    async (request) => orgs.getOrg(ctx, requirePrincipal(request).accountId, request.params.orgId),
  );

  app.patch(
    '/api/orgs/:orgId',
    {
      schema: {
        tags,
        summary: 'Rename the organization (admins)',
        params: OrgParams,
        body: OrgName,
        response: { 200: OrgDetail, ...problemResponses },
      },
    },
    async (request) => orgs.renameOrg(ctx, requirePrincipal(request).accountId, request.params.orgId, request.body),
  );

  app.get(
    '/api/orgs/:orgId/qr.png',
    {
      schema: {
        tags,
        summary: "The organization's QR ID as PNG (members), for an owner to scan",
        params: OrgParams,
        produces: ['image/png'],
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const png = (await orgs.orgQr(ctx, requirePrincipal(request).accountId, request.params.orgId, 'png')) as Buffer;
      return reply.header('cache-control', 'no-store').type('image/png').send(png);
    },
  );

  app.get(
    '/api/orgs/:orgId/qr.svg',
    {
      schema: {
        tags,
        summary: "The organization's QR ID as SVG (members)",
        params: OrgParams,
        produces: ['image/svg+xml'],
        response: { 200: Type.String(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const svg = (await orgs.orgQr(ctx, requirePrincipal(request).accountId, request.params.orgId, 'svg')) as string;
      return reply.header('cache-control', 'no-store').type('image/svg+xml').send(svg);
    },
  );

  app.post(
    '/api/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: 'Invite a person by email to join as technician or admin (admins)',
        params: OrgParams,
        body: InviteMemberBody,
        response: { 201: MemberInvitation, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await orgs.inviteMember(ctx, requirePrincipal(request).accountId, request.params.orgId, request.body)),
  );

  app.get(
    '/api/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        summary: 'Invitations to join (admins)',
        params: OrgParams,
        response: { 200: Type.Array(MemberInvitation), ...problemResponses },
      },
    },
    async (request) => orgs.listOrgInvitations(ctx, requirePrincipal(request).accountId, request.params.orgId),
  );

  app.delete(
    '/api/orgs/:orgId/invitations/:invitationId',
    {
      schema: {
        tags,
        summary: 'Cancel an invitation to join (admins)',
        params: OrgInvitationParams,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await orgs.cancelOrgInvitation(
        ctx,
        requirePrincipal(request).accountId,
        request.params.orgId,
        request.params.invitationId,
      );
      return { ok: true as const };
    },
  );

  app.get(
    '/api/me/org-invitations',
    {
      schema: {
        tags,
        summary: 'Invitations to join organizations addressed to my verified email',
        response: { 200: Type.Array(MemberInvitation), ...problemResponses },
      },
    },
    async (request) => orgs.myOrgInvitations(ctx, requirePrincipal(request).accountId),
  );

  const Joined = Strict({ orgId: Type.String(), role: Role });
  for (const answer of ['accept', 'decline'] as const) {
    app.post(
      `/api/org-invitations/:invitationId/${answer}`,
      {
        schema: {
          tags,
          summary: `${answer === 'accept' ? 'Accept' : 'Decline'} an invitation to join`,
          params: InvitationParams,
          response: { 200: Joined, ...problemResponses },
        },
      },
      async (request) =>
        orgs.answerOrgInvitation(ctx, requirePrincipal(request).accountId, request.params.invitationId, answer),
    );
  }

  app.patch(
    '/api/orgs/:orgId/members/:accountId',
    {
      schema: {
        tags,
        summary: "Change a member's role (admins; the last admin stays admin)",
        params: OrgMemberParams,
        body: RoleBody,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await orgs.changeRole(
        ctx,
        requirePrincipal(request).accountId,
        request.params.orgId,
        request.params.accountId,
        request.body.role,
      );
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/orgs/:orgId/members/:accountId',
    {
      schema: {
        tags,
        summary: 'Remove a member (admins) or leave (myself); never the last admin',
        params: OrgMemberParams,
        response: { 200: Ok, ...problemResponses },
      },
    },
    async (request) => {
      await orgs.removeMember(ctx, requirePrincipal(request).accountId, request.params.orgId, request.params.accountId);
      return { ok: true as const };
    },
  );
};
