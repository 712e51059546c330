// Access everyone can see and understand (issue 17): change previews in words, "who can see the camera that
// sees me", the owner's visibility switches, and refused attempts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listDeniedAttempts } from '../../services/denied-attempts.ts';
import { getVisibility, household, setVisibility } from '../../services/household.ts';
import { previewChange, type PreviewRequest } from '../../services/previews.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, Strict, nullable, problemResponses } from '../schemas/common.ts';
import { AcceptBody, SetPermissionsBody } from '../schemas/installer.ts';
import { BulkShareBody, ShareBody, SharePatchBody } from '../schemas/sharing.ts';

const Id = IdParam.properties.id;
const Language = Type.Union([Type.Literal('en'), Type.Literal('de')], {
  description: 'The language of the sentences; default: the account’s language',
});
const common = { language: Type.Optional(Language) };

// Each kind takes the body of the change it previews, plus the ids the change's path carries.
const PreviewBody = Type.Union(
  [
    Strict({ kind: Type.Literal('share.create'), deviceId: Id, ...ShareBody.properties, ...common }),
    Strict({ kind: Type.Literal('share.update'), shareId: Id, ...SharePatchBody.properties, ...common }),
    Strict({ kind: Type.Literal('share.revoke'), shareId: Id, ...common }),
    Strict({ kind: Type.Literal('shares.revoke_all'), deviceId: Id, ...common }),
    Strict({ kind: Type.Literal('shares.bulk'), ...BulkShareBody.properties, ...common }),
    Strict({
      kind: Type.Literal('authorization.set'),
      deviceId: Id,
      orgId: Id,
      ...SetPermissionsBody.properties,
      ...common,
    }),
    Strict({
      kind: Type.Literal('authorization.withdraw'),
      deviceId: Id,
      orgId: Id,
      permission: Type.String({ minLength: 1, maxLength: 40 }),
      ...common,
    }),
    Strict({ kind: Type.Literal('authorization.cancel'), deviceId: Id, orgId: Id, ...common }),
    Strict({ kind: Type.Literal('handover.accept'), invitationId: Id, ...AcceptBody.properties, ...common }),
    Strict({
      kind: Type.Literal('access.revoke_everything'),
      subject: Strict({ type: Type.Union([Type.Literal('account'), Type.Literal('org')]), id: Id }),
      ...common,
    }),
  ],
  { description: 'The change to preview: its kind, the ids of its path, and the same body as the change itself' },
);

const ValidityView = Strict({ from: nullable(Millis), until: nullable(Millis), scheduled: Type.Boolean() });
const PreviewView = Strict({
  kind: Type.String(),
  language: Language,
  changes: Type.Array(
    Strict({
      deviceId: Type.String(),
      deviceName: Type.String(),
      subject: Strict({ type: Type.Union([Type.Literal('account'), Type.Literal('org')]), id: Type.String() }),
      subjectName: Type.String(),
      change: Type.Union([
        Type.Literal('gains'),
        Type.Literal('loses'),
        Type.Literal('changes'),
        Type.Literal('becomes_owner'),
        Type.Literal('stops_owning'),
        Type.Literal('becomes_holder'),
        Type.Literal('stops_holding'),
      ]),
      permissions: Type.Array(Type.String()),
      channels: Type.Union([Type.Literal('all'), Type.Array(Type.Integer()), Type.Null()]),
      validityBefore: Type.Optional(Type.Array(ValidityView)),
      validityAfter: Type.Optional(Type.Array(ValidityView)),
      sentence: Type.String(),
    }),
  ),
  sentences: Type.Array(Type.String()),
});

const Visibility = Strict({
  householdVisible: Type.Boolean({ description: 'People on this device can see each other (names only)' }),
  notifyDenied: Type.Boolean({ description: 'Tell me (inbox, push; at most hourly) when someone is refused' }),
});
const VisibilityPatch = Strict({
  householdVisible: Type.Optional(Type.Boolean()),
  notifyDenied: Type.Optional(Type.Boolean()),
});

const HouseholdView = Strict({
  device: Strict({ id: Type.String(), name: Type.String() }),
  channels: Type.Array(Strict({ number: Type.Integer(), name: Type.String() })),
  people: Type.Array(
    Strict({
      name: Type.String(),
      kind: Type.String({ description: 'owner, recipient, installer, or another role (manager)' }),
      permissions: Type.Array(Type.String()),
      channels: Type.Array(Type.Integer(), { description: 'the channels both of you can see' }),
    }),
  ),
});

const DeniedPage = Strict({
  items: Type.Array(
    Strict({
      person: Strict({ accountId: Type.String(), name: Type.String() }),
      reason: Type.String(),
      detail: Type.String(),
      via: Type.String({ description: 'check, ticket, stream or command' }),
      count: Type.Integer(),
      windowStart: Millis,
      firstAt: Millis,
      lastAt: Millis,
    }),
  ),
});

export const householdRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api/previews',
    {
      // A preview runs the change in a transaction (then rolls it back): bounded like the other lookups of people.
      config: { limit: 'resolveRecipient' },
      schema: {
        tags: ['access'],
        operationId: 'previewChange',
        summary:
          'What a change would do to who may do what (who gains and who loses what), in sentences; changes nothing',
        body: PreviewBody,
        response: { 200: PreviewView, ...problemResponses },
      },
    },
    async (request) =>
      previewChange(ctx, requirePrincipal(request).accountId, request.body as unknown as PreviewRequest),
  );

  app.get(
    '/api/devices/:id/household',
    {
      schema: {
        tags: ['access'],
        operationId: 'getDeviceHousehold',
        summary: 'Who else can see the channels I can see on this device (when its owner allows it), names only',
        params: IdParam,
        response: { 200: HouseholdView, ...problemResponses },
      },
    },
    async (request) => household(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.get(
    '/api/devices/:id/visibility',
    {
      schema: {
        tags: ['access'],
        operationId: 'getDeviceVisibility',
        summary: "The owner's visibility switches for the device",
        params: IdParam,
        response: { 200: Visibility, ...problemResponses },
      },
    },
    async (request) => getVisibility(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.patch(
    '/api/devices/:id/visibility',
    {
      schema: {
        tags: ['access'],
        operationId: 'setDeviceVisibility',
        summary: 'Owner: let the people on this device see each other; be told about refused attempts',
        params: IdParam,
        body: VisibilityPatch,
        response: { 200: Visibility, ...problemResponses },
      },
    },
    async (request) => setVisibility(ctx, requirePrincipal(request).accountId, request.params.id, request.body),
  );

  app.get(
    '/api/devices/:id/denied-attempts',
    {
      schema: {
        tags: ['access'],
        operationId: 'listDeniedAttempts',
        summary:
          'Refused attempts of people with access (outside schedule, expired, withdrawn), grouped per person, reason and 10 minutes',
        params: IdParam,
        querystring: Strict({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        response: { 200: DeniedPage, ...problemResponses },
      },
    },
    async (request) =>
      listDeniedAttempts(ctx, requirePrincipal(request).accountId, request.params.id, request.query.limit ?? 50),
  );
};
