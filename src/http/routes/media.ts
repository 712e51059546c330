// Watching: what the Live and Playback screens need about a device, the caller's playback windows for a
// channel, the owner's per-share choice of recordings, and the operator's MediaMTX guide. See docs/mediamtx.md.
import fs from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { allowedPlaybackWindows, setShareRecordings, shareRecordings } from '../../services/media/playback.ts';
import { deviceMedia } from '../../services/media/viewing.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requirePrincipal } from '../plugins/auth.ts';
import { IdParam, Millis, problemResponses, Strict } from '../schemas/common.ts';

const Interval = Strict({ from: Millis, until: Millis });
const Recordings = Type.Union([Strict({ from: Millis, until: Type.Union([Millis, Type.Null()]) }), Type.Null()], {
  description:
    "The share's recordings: since `from` (up to `until`, or up to now when null); null = what was recorded while the share applied",
});

const DeviceMedia = Strict({
  device: Strict({ id: Type.String(), name: Type.String(), kind: Type.String(), online: Type.Boolean() }),
  server: Strict({
    configured: Type.Boolean(),
    protocol: Type.Union([Type.Literal('hls'), Type.Literal('webrtc')], {
      description: 'How the Live screen plays: HLS (hls.js) or WebRTC (WHEP to webrtcUrl)',
    }),
    hlsUrl: Type.Union([Type.String(), Type.Null()]),
    webrtcUrl: Type.Union([Type.String(), Type.Null()], {
      description: "MediaMTX's WebRTC server; WHEP endpoint <webrtcUrl>/<deviceId>/<channel>/whep",
    }),
    playbackUrl: Type.Union([Type.String(), Type.Null()]),
    docsUrl: Type.String(),
  }),
  channels: Type.Array(
    Strict({
      number: Type.Integer(),
      name: Type.String(),
      liveView: Type.Boolean(),
      playback: Type.Boolean(),
      ptz: Type.Boolean(),
      twoWayAudio: Type.Boolean(),
    }),
  ),
});

const DOCS_FILE = new URL('../../../docs/mediamtx.md', import.meta.url);

export const mediaRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/api/devices/:id/media',
    {
      schema: {
        operationId: 'getDeviceMedia',
        tags: ['streams'],
        summary:
          'Live/Playback screens: the media server (or that none is configured) and the channels I may watch, with what I may do on each',
        params: IdParam,
        response: { 200: DeviceMedia, ...problemResponses },
      },
    },
    async (request) => deviceMedia(ctx, requirePrincipal(request).accountId, request.params.id),
  );

  app.get(
    '/api/devices/:id/channels/:channel/playback-windows',
    {
      schema: {
        operationId: 'listPlaybackWindows',
        tags: ['streams'],
        summary:
          'The recorded time inside [from, until) whose footage I may play back now (recordings bounded by the grant)',
        params: Strict({ id: IdParam.properties.id, channel: Type.Integer({ minimum: 1, maximum: 9999 }) }),
        querystring: Strict({
          from: Type.Optional({ ...Millis, description: 'default: 24 hours before until' }),
          until: Type.Optional({ ...Millis, description: 'default: now' }),
        }),
        response: {
          200: Strict({
            windows: Type.Array(Interval),
            allowedNow: Type.Boolean(),
            reason: Type.Union([Type.String(), Type.Null()]),
            detail: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { id, channel } = request.params;
      const until = request.query.until ?? ctx.clock.now();
      const from = request.query.from ?? until - 24 * 3_600_000;
      return allowedPlaybackWindows(ctx, requirePrincipal(request).accountId, id, channel, { from, until });
    },
  );

  app.get(
    '/api/shares/:id/recordings',
    {
      schema: {
        operationId: 'getShareRecordings',
        tags: ['sharing'],
        summary: 'Owner: which recordings this share opens (null: what was recorded while the share applied)',
        params: IdParam,
        response: { 200: Strict({ recordings: Recordings }), ...problemResponses },
      },
    },
    async (request) => ({
      recordings: await shareRecordings(ctx, requirePrincipal(request).accountId, request.params.id),
    }),
  );

  app.put(
    '/api/shares/:id/recordings',
    {
      schema: {
        operationId: 'setShareRecordings',
        tags: ['sharing'],
        summary:
          'Owner: widen or set the recordings this share opens ("recordings since …"), or null to follow the share',
        params: IdParam,
        body: Strict({ recordings: Recordings }),
        response: { 200: Strict({ recordings: Recordings }), ...problemResponses },
      },
    },
    async (request) => ({
      recordings: await setShareRecordings(
        ctx,
        requirePrincipal(request).accountId,
        request.params.id,
        request.body.recordings,
      ),
    }),
  );

  app.get(
    '/operator-docs/mediamtx',
    {
      schema: {
        operationId: 'getMediaMtxGuide',
        tags: ['streams'],
        summary: "The operator's guide to connecting MediaMTX (docs/mediamtx.md, as Markdown text)",
        security: [],
        response: { 200: Type.String(), ...problemResponses },
      },
    },
    async (_request, reply) =>
      reply.type('text/markdown; charset=utf-8').send(await fs.promises.readFile(DOCS_FILE, 'utf8')),
  );
};
