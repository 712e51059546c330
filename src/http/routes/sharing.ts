// Sharing devices (DMSS Methods 1 and 2), the permission catalog and picking a recipient.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalidInput } from '../../domain/errors.ts';
import { PERMISSIONS, REQUIRED_SHARE_PERMISSION, type Permission } from '../../domain/permissions.ts';
import { resolveRecipient, resolveRecipientImage } from '../../services/recipients.ts';
import {
  bulkResultIn,
  chooserIn,
  createBulkShare,
  createShare,
  endShare,
  listDeviceShares,
  listReceivedShares,
  previewBulkShare,
  previewShare,
  revokeAllShares,
  shareChooser,
  shareViewIn,
  updateShare,
} from '../../services/sharing.ts';
import type { ServiceContext } from '../../services/context.ts';
import { readerLanguage } from '../language.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Strict, imageUpload, problemResponses } from '../schemas/common.ts';
import {
  BulkResult,
  BulkShareBody,
  Chooser,
  PermissionInfo,
  ReceivedShare,
  RecipientBody,
  ResolvedRecipient,
  ShareBody,
  SharePatchBody,
  ShareView,
} from '../schemas/sharing.ts';

const QR_UPLOAD_LIMIT = 5 * 1024 * 1024;
const tags = ['sharing'];

export const sharingRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  // Raw image uploads for resolve-image; scoped to this plugin.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: QR_UPLOAD_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/api/permissions',
    {
      schema: {
        tags,
        operationId: 'listPermissions',
        summary: 'The permission catalog, with labels',
        security: [],
        response: { 200: Type.Array(PermissionInfo), ...problemResponses },
      },
    },
    async () =>
      (Object.keys(PERMISSIONS) as Permission[]).map((name) => ({
        name,
        label: PERMISSIONS[name].label,
        level: PERMISSIONS[name].level,
        description: PERMISSIONS[name].description,
        requiredForShares: name === REQUIRED_SHARE_PERMISSION,
      })),
  );

  app.post(
    '/api/recipients/resolve',
    {
      config: { limit: 'resolveRecipient' },
      schema: {
        tags,
        operationId: 'resolveRecipient',
        summary: 'Find the person to share with by email, phone or QR text',
        body: RecipientBody,
        response: { 200: ResolvedRecipient, ...problemResponses },
      },
    },
    async (request) => {
      requirePrincipal(request);
      const a = await resolveRecipient(ctx, request.body, 'recipient');
      return { id: a.id, displayName: a.display_name };
    },
  );

  app.post(
    '/api/recipients/resolve-image',
    {
      config: { limit: 'resolveImage' },
      schema: {
        tags,
        operationId: 'resolveRecipientImage',
        summary:
          'Find the person to share with from an uploaded QR ID image (raw body, image/png or image/jpeg, at most 5 MB)',
        ...imageUpload("the picture of the recipient's QR ID"),
        response: { 200: ResolvedRecipient, ...problemResponses },
      },
      // The body is raw bytes, checked by the decoder below; the schema is there for the OpenAPI document.
      validatorCompiler: () => () => true,
    },
    async (request) => {
      requirePrincipal(request);
      const body = request.body as unknown;
      const mime = String(request.headers['content-type'] ?? '');
      if (!Buffer.isBuffer(body) || !mime.startsWith('image/')) {
        throw invalidInput(
          'Send the QR image itself as the body, with content type image/png or image/jpeg.',
          'unsupported_image',
          'image',
        );
      }
      if (body.length === 0) throw invalidInput('The image is empty.', 'bad_image', 'image');
      const a = await resolveRecipientImage(ctx, body, mime);
      return { id: a.id, displayName: a.display_name };
    },
  );

  app.post(
    '/api/devices/:id/shares/preview',
    {
      schema: {
        tags,
        operationId: 'previewShare',
        summary: 'Dry run of sharing one device: checks everything and returns the confirmation, changes nothing',
        params: IdParam,
        body: ShareBody,
        response: { 200: ShareView, ...problemResponses },
      },
    },
    async (request) =>
      shareViewIn(
        await previewShare(ctx, requirePrincipal(request).accountId, request.params.id, request.body),
        await readerLanguage(ctx, request),
      ),
  );

  app.post(
    '/api/devices/:id/shares',
    {
      schema: {
        tags,
        operationId: 'createShare',
        summary: 'Share one device (whole device or chosen channels) with one person',
        params: IdParam,
        body: ShareBody,
        response: { 201: ShareView, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          shareViewIn(
            await createShare(ctx, requirePrincipal(request).accountId, request.params.id, request.body),
            await readerLanguage(ctx, request),
          ),
        ),
  );

  app.get(
    '/api/devices/:id/shares',
    {
      schema: {
        tags,
        operationId: 'listDeviceShares',
        summary: "The device's shares (owner only)",
        params: IdParam,
        response: { 200: Type.Array(ShareView), ...problemResponses },
      },
    },
    async (request) => {
      const views = await listDeviceShares(ctx, requirePrincipal(request).accountId, request.params.id);
      const language = await readerLanguage(ctx, request);
      return views.map((v) => shareViewIn(v, language));
    },
  );

  app.delete(
    '/api/devices/:id/shares',
    {
      schema: {
        tags,
        operationId: 'revokeDeviceShares',
        summary: 'Revoke every share of the device (owner only)',
        params: IdParam,
        response: { 200: Strict({ revoked: Type.Integer() }), ...problemResponses },
      },
    },
    async (request) => revokeAllShares(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.patch(
    '/api/shares/:id',
    {
      schema: {
        tags,
        operationId: 'updateShare',
        summary: 'Edit a share: scope, channels, permissions, validity (owner only)',
        params: IdParam,
        body: SharePatchBody,
        response: { 200: ShareView, ...problemResponses },
      },
    },
    async (request) =>
      shareViewIn(
        await updateShare(ctx, requirePrincipal(request).accountId, request.params.id, request.body),
        await readerLanguage(ctx, request),
      ),
  );

  app.delete(
    '/api/shares/:id',
    {
      schema: {
        tags,
        operationId: 'deleteShare',
        summary: 'End a share: the owner revokes it, or the recipient removes the device from their account',
        params: IdParam,
        response: {
          200: Strict({
            ok: Type.Literal(true),
            endedBy: Type.Union([Type.Literal('owner'), Type.Literal('recipient')]),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => ({
      ok: true as const,
      ...(await endShare(ctx, requirePrincipal(request).accountId, request.params.id)),
    }),
  );

  app.get(
    '/api/shares/received',
    {
      schema: {
        tags,
        operationId: 'listReceivedShares',
        summary: 'Shares I received, with what each allows right now',
        response: { 200: Type.Array(ReceivedShare), ...problemResponses },
      },
    },
    async (request) => {
      const shares = await listReceivedShares(ctx, requirePrincipal(request).accountId);
      const language = await readerLanguage(ctx, request);
      return shares.map((s) => shareViewIn(s, language));
    },
  );

  app.get(
    '/api/share-chooser',
    {
      schema: {
        tags,
        operationId: 'getShareChooser',
        summary: 'Devices I can share (owned and supporting sharing); with explain=1 also the others and why not',
        querystring: Strict({
          explain: Type.Optional(
            Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]),
          ),
        }),
        response: { 200: Chooser, ...problemResponses },
      },
    },
    async (request) =>
      chooserIn(
        await shareChooser(
          ctx,
          requirePrincipal(request).accountId,
          request.query.explain === '1' || request.query.explain === 'true',
        ),
        await readerLanguage(ctx, request),
      ),
  );

  app.post(
    '/api/shares/bulk/preview',
    {
      schema: {
        tags,
        operationId: 'previewBulkShare',
        summary: `Dry run of sharing several devices (up to 500) with one person; changes nothing`,
        body: BulkShareBody,
        response: { 200: BulkResult, ...problemResponses },
      },
    },
    async (request) =>
      bulkResultIn(
        await previewBulkShare(ctx, requirePrincipal(request).accountId, request.body),
        await readerLanguage(ctx, request),
      ),
  );

  app.post(
    '/api/shares/bulk',
    {
      schema: {
        tags,
        operationId: 'createBulkShare',
        summary:
          'Share several devices with one person, each with its own scope, permissions and validity: all or nothing',
        body: BulkShareBody,
        response: { 201: BulkResult, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          bulkResultIn(
            await createBulkShare(ctx, requirePrincipal(request).accountId, request.body),
            await readerLanguage(ctx, request),
          ),
        ),
  );
};
