// What the Live and Playback screens need about one device: whether a media server is configured (and where),
// and per channel what the caller may do with it now. Only channels the caller may watch are worth showing.
import { notFound } from '../../domain/errors.ts';
import type { Permission } from '../../domain/permissions.ts';
import * as mediaRepo from '../../persistence/repositories/media.ts';
import type { ServiceContext } from '../context.ts';

/** Keyholder serves the operator's MediaMTX guide (docs/mediamtx.md) here, so the link works offline. */
export const MEDIA_DOCS_URL = '/operator-docs/mediamtx';

const CHANNEL_FEATURES = ['live_view', 'playback', 'ptz', 'two_way_audio'] as const satisfies readonly Permission[];

export interface ChannelView {
  number: number;
  name: string;
  liveView: boolean;
  playback: boolean;
  ptz: boolean;
  twoWayAudio: boolean;
}

export async function deviceMedia(ctx: ServiceContext, accountId: string, deviceId: string) {
  const device = await mediaRepo.deviceForViewing(ctx.db, deviceId);
  if (!device) throw notFound('No such device.', 'device_not_found');
  const now = ctx.clock.now();
  let anyAccess = false;
  const channels: ChannelView[] = [];
  for (const c of device.channels) {
    const allowed: Record<string, boolean> = {};
    for (const p of CHANNEL_FEATURES) {
      const d = await ctx.access.checkNow(accountId, deviceId, c.number, p, now);
      allowed[p] = d.allowed;
      if (d.allowed || d.reason !== 'no_access') anyAccess = true;
    }
    channels.push({
      number: c.number,
      name: c.name,
      liveView: allowed.live_view!,
      playback: allowed.playback!,
      ptz: allowed.ptz!,
      twoWayAudio: allowed.two_way_audio!,
    });
  }
  // An outsider learns nothing about whether the device exists.
  if (!anyAccess) throw notFound('No such device.', 'device_not_found');
  const { mediaPublicUrl, mediaPlaybackUrl, mediaWebrtcUrl, mediaProtocol } = ctx.config;
  return {
    device: { id: device.id, name: device.name, kind: device.kind, online: device.online },
    server: {
      configured: (mediaProtocol === 'webrtc' ? mediaWebrtcUrl : mediaPublicUrl) !== null,
      protocol: mediaProtocol,
      hlsUrl: mediaPublicUrl,
      webrtcUrl: mediaWebrtcUrl,
      playbackUrl: mediaPlaybackUrl,
      docsUrl: MEDIA_DOCS_URL,
    },
    // Only what the caller may watch or play back; a channel that allows neither is not shown at all.
    channels: channels.filter((c) => c.liveView || c.playback),
  };
}
