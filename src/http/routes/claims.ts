// Ownership claims (docs/devices.md, "Claims"): filed by whoever holds a device bound to someone else, answered
// by the owner, reviewed by an operator. The evidence comes as base64 inside one JSON body (bounded below), so the
// claim is one validated request and one transaction: nothing is stored for a claim that is refused.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CLAIM_FILES_MAX_BYTES } from '../../domain/claims.ts';
import {
  dismissClaim,
  fileClaim,
  getClaim,
  getClaimFile,
  getClaimForOperator,
  listClaimsForOperator,
  listMyClaims,
  rejectClaim,
  releaseClaim,
  transferClaim,
} from '../../services/claims.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireOperator, requirePrincipal } from '../plugins/auth.ts';
import {
  AnyClaim,
  ClaimBody,
  ClaimFileParams,
  ClaimantClaim,
  DismissClaimBody,
  MyClaims,
  OperatorClaim,
  OperatorClaimQuery,
  OwnerClaim,
  TransferClaimBody,
} from '../schemas/claims.ts';
import { Binary, IdParam, problemResponses } from '../schemas/common.ts';
import { Type } from '@sinclair/typebox';

/** All files at their largest in base64 (4 characters per 3 bytes), plus room for the other fields. */
export const CLAIM_BODY_LIMIT = Math.ceil((CLAIM_FILES_MAX_BYTES * 4) / 3) + 64 * 1024;

export const claimRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const noStore = { 'cache-control': 'no-store' };

  app.post(
    '/api/claims',
    {
      bodyLimit: CLAIM_BODY_LIMIT,
      config: { limit: 'bind' },
      schema: {
        tags: ['devices'],
        operationId: 'fileClaim',
        summary: 'Claim a device that is bound to another account (serial, label code, label photo, proof of purchase)',
        description:
          'The code is checked like binding: wrong code 400 and the same guess limits (429). The device must be bound ' +
          'to another account (otherwise 409 device_not_bound). Files too big: 413; not JPEG/PNG/PDF by their ' +
          'first bytes: 400; more than 4: 400. The owner is told; who the owner is is never answered.',
        body: ClaimBody,
        response: { 201: ClaimantClaim, ...problemResponses },
      },
    },
    async (request, reply) => {
      const me = requirePrincipal(request);
      return reply.status(201).send(await fileClaim(ctx, me.accountId, request.body));
    },
  );

  app.get(
    '/api/claims',
    {
      schema: {
        tags: ['devices'],
        operationId: 'listMyClaims',
        summary: 'Claims I filed, and claims on devices I own',
        response: { 200: MyClaims, ...problemResponses },
      },
    },
    async (request) => listMyClaims(ctx, requirePrincipal(request).accountId),
  );

  app.get(
    '/api/claims/:id',
    {
      schema: {
        tags: ['devices'],
        operationId: 'getClaim',
        summary: 'One claim, as its claimant or as the owner it was filed against sees it',
        params: IdParam,
        response: { 200: AnyClaim, ...problemResponses },
      },
    },
    async (request) => getClaim(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/claims/:id/release',
    {
      schema: {
        tags: ['devices'],
        operationId: 'releaseClaimedDevice',
        summary: 'Release my device to the claimant: it is unbound (shares and installer access end) and held for them',
        params: IdParam,
        response: { 200: OwnerClaim, ...problemResponses },
      },
    },
    async (request) => releaseClaim(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.post(
    '/api/claims/:id/reject',
    {
      schema: {
        tags: ['devices'],
        operationId: 'rejectClaim',
        summary: 'Keep my device: the claim goes to an operator for review',
        params: IdParam,
        response: { 200: OwnerClaim, ...problemResponses },
      },
    },
    async (request) => rejectClaim(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  // ---- operators ----

  app.get(
    '/api/admin/claims',
    {
      schema: {
        tags: ['admin'],
        operationId: 'listClaimsForReview',
        summary: 'Ownership claims (operators only): by default those waiting for review',
        querystring: OperatorClaimQuery,
        response: { 200: Type.Array(OperatorClaim), ...problemResponses },
      },
    },
    async (request) => {
      requireOperator(request);
      return listClaimsForOperator(ctx, request.query.state ?? 'review');
    },
  );

  app.get(
    '/api/admin/claims/:id',
    {
      schema: {
        tags: ['admin'],
        operationId: 'getClaimForReview',
        summary: 'One ownership claim with both parties and its files (operators only)',
        params: IdParam,
        response: { 200: OperatorClaim, ...problemResponses },
      },
    },
    async (request) => {
      requireOperator(request);
      return getClaimForOperator(ctx, request.params.id);
    },
  );

  app.get(
    '/api/admin/claims/:id/files/:fileId',
    {
      schema: {
        tags: ['admin'],
        operationId: 'getClaimFile',
        summary: 'One evidence file of a claim (operators only), as an attachment of its sniffed type',
        params: ClaimFileParams,
        produces: ['image/jpeg', 'image/png', 'application/pdf'],
        response: { 200: Binary('the file as uploaded'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const me = requireOperator(request);
      const file = await getClaimFile(ctx, me.accountId, request.params.id, request.params.fileId);
      return (
        reply
          .headers(noStore)
          // Never rendered as a page of this origin, whatever the bytes hold: a download, sandboxed, not sniffed.
          .header('content-disposition', `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`)
          .header('content-security-policy', "sandbox; default-src 'none'")
          .header('x-content-type-options', 'nosniff')
          .type(file.mediaType)
          .send(file.content)
      );
    },
  );

  app.post(
    '/api/admin/claims/:id/transfer',
    {
      schema: {
        tags: ['admin'],
        operationId: 'transferClaimedDevice',
        summary: 'Transfer the claimed device to the claimant (operators only; after the owner’s time or rejection)',
        params: IdParam,
        body: TransferClaimBody,
        response: { 200: OperatorClaim, ...problemResponses },
      },
    },
    async (request) => {
      const me = requireOperator(request);
      return transferClaim(ctx, me.accountId, request.params.id, request.body);
    },
  );

  app.post(
    '/api/admin/claims/:id/dismiss',
    {
      schema: {
        tags: ['admin'],
        operationId: 'dismissClaim',
        summary: 'Dismiss a claim (operators only); the note is sent to the claimant',
        params: IdParam,
        body: DismissClaimBody,
        response: { 200: OperatorClaim, ...problemResponses },
      },
    },
    async (request) => {
      const me = requireOperator(request);
      return dismissClaim(ctx, me.accountId, request.params.id, request.body);
    },
  );
};
