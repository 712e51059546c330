import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalidInput } from '../../domain/errors.ts';
import { personView } from '../../services/accounts.ts';
import {
  myQrText,
  renderQrPng,
  renderQrSvg,
  resolveAccountByQrImage,
  resolveAccountByQrText,
  rotateQr,
} from '../../services/qr-id.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { Strict, problemResponses } from '../schemas/common.ts';

/** Photos of a QR code from a phone are a few MB at most. */
export const QR_UPLOAD_LIMIT = 5 * 1024 * 1024;

const QrText = Strict({ text: Type.String({ description: 'keyholder:account:<opaque reference>' }) });
const PublicPerson = Strict(
  { id: Type.String(), displayName: Type.String() },
  { description: 'the minimal public view of a person' },
);
const Binary = (description: string) => Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description });

export const qrRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  // Raw image uploads: scoped to this plugin, so no other route accepts image bodies.
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: QR_UPLOAD_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  const noStore = { 'cache-control': 'no-store' };

  app.get(
    '/api/me/qr',
    {
      schema: {
        tags: ['qr'],
        summary: 'My personal QR ID as text (an opaque reference, never my email or phone)',
        response: { 200: QrText, ...problemResponses },
      },
    },
    async (request, reply) => {
      reply.headers(noStore);
      return { text: await myQrText(ctx, requirePrincipal(request).accountId) };
    },
  );

  app.get(
    '/api/me/qr.png',
    {
      schema: {
        tags: ['qr'],
        summary: 'My personal QR ID as a PNG image (to show or save)',
        produces: ['image/png'],
        response: { 200: Binary('PNG image'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const png = await renderQrPng(await myQrText(ctx, requirePrincipal(request).accountId));
      return reply
        .headers(noStore)
        .header('content-disposition', 'inline; filename="keyholder-qr-id.png"')
        .type('image/png')
        .send(png);
    },
  );

  app.get(
    '/api/me/qr.svg',
    {
      schema: {
        tags: ['qr'],
        summary: 'My personal QR ID as an SVG image',
        produces: ['image/svg+xml'],
        response: { 200: Type.String({ description: 'SVG image' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const svg = await renderQrSvg(await myQrText(ctx, requirePrincipal(request).accountId));
      return reply.headers(noStore).type('image/svg+xml').send(svg);
    },
  );

  app.post(
    '/api/me/qr/rotate',
    {
      schema: {
        tags: ['qr'],
        summary: 'Replace my QR ID: every earlier text or image of it stops working',
        response: { 200: QrText, ...problemResponses },
      },
    },
    async (request) => ({ text: await rotateQr(ctx, requirePrincipal(request).accountId) }),
  );

  app.post(
    '/api/qr/resolve',
    {
      schema: {
        tags: ['qr'],
        summary: 'Find the person a scanned QR ID belongs to (to pick a recipient)',
        body: Strict({ text: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: PublicPerson, ...problemResponses },
      },
    },
    async (request) => {
      requirePrincipal(request);
      return personView(await resolveAccountByQrText(ctx, request.body.text));
    },
  );

  app.post(
    '/api/qr/resolve-image',
    {
      schema: {
        tags: ['qr'],
        summary:
          'Find the person from an uploaded picture of a QR ID (raw body, image/png or image/jpeg, at most 5 MB)',
        consumes: ['image/png', 'image/jpeg'],
        body: Binary('the picture of the QR code'),
        response: { 200: PublicPerson, ...problemResponses },
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
      return personView(await resolveAccountByQrImage(ctx, body, mime));
    },
  );
};
