// Owners' access review: per device, per person or organization, and "revoke everything".
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { deviceAccessReview, revokeEverything, subjectAccessReview } from '../../services/access-review.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, nullable, problemResponses, Strict } from '../schemas/common.ts';

const Kind = Type.Union([Type.Literal('accounts'), Type.Literal('orgs')]);
const SubjectParams = Strict({ kind: Kind, id: IdParam.properties.id });
const Channels = Type.Union([Type.Literal('all'), Type.Array(Type.Integer())]);
const PermissionNow = Strict({
  permission: Type.String(),
  activeNow: Type.Boolean(),
  reason: nullable(Type.String()),
  changesAt: nullable(Millis),
});
const Subject = Strict({ type: Type.Union([Type.Literal('account'), Type.Literal('org')]), id: Type.String() });

const DeviceReview = Strict({
  deviceId: Type.String(),
  at: Millis,
  owner: Strict({ id: Type.String(), name: Type.String() }),
  entries: Type.Array(
    Strict({
      subject: Strict({
        type: Type.Union([Type.Literal('account'), Type.Literal('org')]),
        id: Type.String(),
        name: Type.String(),
      }),
      source: Type.Union([
        Type.Literal('share'),
        Type.Literal('authorization'),
        Type.Literal('manager'),
        Type.Literal('guest_link'),
      ]),
      sourceId: Type.String(),
      channels: Channels,
      permissions: Type.Array(PermissionNow),
    }),
  ),
});

const SubjectReview = Strict({
  subject: Subject,
  at: Millis,
  devices: Type.Array(
    Strict({
      deviceId: Type.String(),
      deviceName: Type.String(),
      grants: Type.Array(
        Strict({
          source: Type.Union([
            Type.Literal('share'),
            Type.Literal('authorization'),
            Type.Literal('manager'),
            Type.Literal('guest_link'),
          ]),
          sourceId: Type.String(),
          via: nullable(Strict({ orgId: Type.String(), orgName: Type.String() })),
          channels: Channels,
          permissions: Type.Array(PermissionNow),
        }),
      ),
    }),
  ),
});

const RevokeResult = Strict({
  sharesRevoked: Type.Integer(),
  managersRemoved: Type.Integer(),
  authorizationsWithdrawn: Type.Integer(),
  deviceIds: Type.Array(Type.String()),
});

const subjectOf = (kind: 'accounts' | 'orgs', id: string) => ({
  type: kind === 'accounts' ? ('account' as const) : ('org' as const),
  id,
});

export const accessReviewRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices/:id/access',
    {
      schema: {
        tags: ['access'],
        operationId: 'getDeviceAccess',
        summary: 'Owner: who can do what on this device now',
        params: IdParam,
        response: { 200: DeviceReview, ...problemResponses },
      },
    },
    async (request) => deviceAccessReview(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.get(
    '/api/access-review/:kind/:id',
    {
      schema: {
        tags: ['access'],
        operationId: 'getAccessReview',
        summary: 'Owner: what this person (accounts) or organization (orgs) can do on my devices',
        params: SubjectParams,
        response: { 200: SubjectReview, ...problemResponses },
      },
    },
    async (request) =>
      subjectAccessReview(ctx, requirePrincipal(request).accountId, subjectOf(request.params.kind, request.params.id)),
  );

  app.post(
    '/api/access-review/:kind/:id/revoke',
    {
      schema: {
        tags: ['access'],
        operationId: 'revokeAccessReview',
        summary:
          'Owner: revoke everything this person (their shares, their managing) or organization (its authorizations) has on my devices, in one go',
        params: SubjectParams,
        response: { 200: RevokeResult, ...problemResponses },
      },
    },
    async (request) =>
      revokeEverything(ctx, requirePrincipal(request).accountId, subjectOf(request.params.kind, request.params.id)),
  );
};
