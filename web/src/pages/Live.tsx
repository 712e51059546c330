// Live: a recorder's grid of the channels I may watch, and one channel playing from the media server (MediaMTX)
// over HLS with hls.js, or over WebRTC (WHEP) when the server says so (MEDIA_PROTOCOL=webrtc). The stream ticket
// travels as `Authorization: Bearer` (never in a URL) and is renewed before it expires while the screen is open.
// When the stream stops, the screen asks Keyholder why and says so.
import { useRef, useState } from 'react';
import i18next from 'i18next';
import { Trans } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, api, call, errorMessage, type Res } from '../api/client.ts';
import { Async, Notice, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';
import { playHls, usePlayer } from '../lib/player.ts';

export type DeviceMedia = Res<'/api/devices/{id}/media', 'get'>;
type Ticket = Res<'/api/stream-tickets', 'post'>;

/** WebRTC: no video packet for this long means the stream stopped (a kicked session may just go silent). */
const STALL_MS = 1_000;
/** WebRTC: not connected this long after the answer (MediaMTX's webrtcHandshakeTimeout) means it cannot. */
const CONNECT_MS = 10_000;

type WhepEnd = 'refused' | 'not_found' | 'unauthorized' | 'stopped';

/**
 * Plays `path` from MediaMTX's WebRTC server over WHEP (internal/servers/webrtc: POST the offer as
 * application/sdp with the ticket as `Authorization: Bearer`, 201 with the answer and the session's Location;
 * local candidates trickled by PATCH application/trickle-ice-sdpfrag, as MediaMTX's reader.js does; DELETE on
 * leaving). Calls `onStop` once when the session ends, fails or goes silent. Returns the cleanup.
 */
async function playWhep(
  el: HTMLVideoElement,
  endpoint: string,
  ticket: string,
  onStop: (why: WhepEnd, connected: boolean, detail?: string) => void,
): Promise<() => void> {
  const pc = new RTCPeerConnection();
  let sessionUrl: string | null = null;
  let done = false;
  let connected = false;
  const queued: RTCIceCandidate[] = [];
  // Set once the answer is in; cleared by cleanup, which may run before.
  let watchdog: ReturnType<typeof setInterval> | undefined = undefined;
  const stop = (why: WhepEnd, detail?: string) => {
    if (done) return;
    done = true;
    cleanup();
    onStop(why, connected, detail);
  };
  const cleanup = () => {
    done = true;
    clearInterval(watchdog);
    pc.close();
    // srcObject outranks src: left set, it would hide whatever plays next in this element (the HLS fallback).
    el.srcObject = null;
    // Tells MediaMTX at once instead of after its timeout; a kicked session answers 404, which is fine.
    if (sessionUrl) fetch(sessionUrl, { method: 'DELETE', keepalive: true }).catch(() => {});
    sessionUrl = null;
  };
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.ontrack = (e) => {
    el.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    el.play().catch(() => {});
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const media = (offer.sdp ?? '').split('\r\n').filter((l) => l.startsWith('m='));
  const ufrag = /a=ice-ufrag:(.+)/.exec(offer.sdp ?? '')?.[1] ?? '';
  const pwd = /a=ice-pwd:(.+)/.exec(offer.sdp ?? '')?.[1] ?? '';
  const trickle = (candidates: RTCIceCandidate[]) => {
    if (!sessionUrl || candidates.length === 0) return;
    let frag = `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n`;
    media.forEach((m, mid) => {
      const mine = candidates.filter((c) => c.sdpMLineIndex === mid);
      if (mine.length) frag += `${m}\r\na=mid:${mid}\r\n${mine.map((c) => `a=${c.candidate}\r\n`).join('')}`;
    });
    fetch(sessionUrl, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*' },
      body: frag,
    }).catch(() => {});
  };
  pc.onicecandidate = (e) => {
    if (!e.candidate || done) return;
    if (sessionUrl) trickle([e.candidate]);
    else queued.push(e.candidate);
  };
  // "closed" may arrive without close() when MediaMTX ends the session (its reader.js says so); "failed" when the
  // peer vanished.
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') connected = true;
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') stop('stopped');
  };
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ticket}`, 'Content-Type': 'application/sdp' },
      body: offer.sdp,
    });
  } catch {
    stop('stopped');
    return cleanup;
  }
  if (res.status !== 201) {
    const detail = await res
      .json()
      .then((b: { error?: string }) => b.error)
      .catch(() => undefined);
    stop(res.status === 404 ? 'not_found' : res.status === 401 ? 'unauthorized' : 'refused', detail);
    return cleanup;
  }
  sessionUrl = new URL(res.headers.get('Location') ?? '', endpoint).toString();
  const answer = await res.text();
  if (done) return cleanup;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  trickle(queued.splice(0));
  // Chromium keeps connectionState "connected" after MediaMTX's close_notify; the DTLS transport itself closes.
  const dtls = pc.getReceivers()[0]?.transport;
  if (dtls)
    dtls.onstatechange = () => {
      if (dtls.state === 'closed' || dtls.state === 'failed') stop('stopped');
    };
  // A session that just goes silent (the media server gone, the network cut) is noticed too.
  let lastPackets = -1;
  let lastChange = Date.now();
  const answered = Date.now();
  watchdog = setInterval(() => {
    if (!connected && Date.now() - answered >= CONNECT_MS) stop('stopped');
    void pc.getStats().then((stats) => {
      let packets = 0;
      stats.forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') packets += r.packetsReceived ?? 0;
      });
      if (packets !== lastPackets) {
        lastPackets = packets;
        lastChange = Date.now();
      } else if (packets > 0 && Date.now() - lastChange >= STALL_MS) stop('stopped');
    });
  }, 250);
  return cleanup;
}

export function useDeviceMedia(id: string) {
  return useLoad(() => call(api.GET('/api/devices/{id}/media', { params: { path: { id } } })), [id]);
}

export async function streamTicket(body: {
  deviceId: string;
  channel: number;
  permission: 'live_view' | 'playback';
  from?: number;
  until?: number;
}): Promise<Ticket> {
  return call(api.POST('/api/stream-tickets', { body }));
}

/** Says plainly that there is no media server, with the operator's guide: never a dead button. */
export function NoMediaServer({ docsUrl }: { docsUrl: string }) {
  return (
    <Notice tone="warning">
      <p>
        <Trans
          i18nKey="live.noServer"
          components={{ b: <strong />, guide: <a href={docsUrl} target="_blank" rel="noreferrer" /> }}
        />
      </p>
    </Notice>
  );
}

export function LivePage() {
  const { id = '', channel } = useParams();
  const { t } = useTranslation();
  const media = useDeviceMedia(id);
  return (
    <Async state={media} what={i18next.t('share.loadingDevice')}>
      {(m) => {
        const watchable = m.channels.filter((c) => c.liveView);
        const selected = channel ? Number(channel) : watchable.length === 1 ? watchable[0]!.number : null;
        const title = selected
          ? `${m.device.name} · ${channelName(m, selected)}`
          : `${m.device.name} · ${i18next.t('home.live')}`;
        return (
          <Page title={title} back={selected && watchable.length > 1 ? `/devices/${id}/live` : '/'}>
            {!m.server.configured ? (
              <NoMediaServer docsUrl={m.server.docsUrl} />
            ) : selected ? (
              <ChannelPlayer media={m} channel={selected} />
            ) : watchable.length === 0 ? (
              <Notice>{i18next.t('live.noneNow')}</Notice>
            ) : (
              <ul className="channel-grid" aria-label={i18next.t('share.channels')}>
                {watchable.map((c) => (
                  <li key={c.number}>
                    <Link className="channel-tile" to={`/devices/${id}/live/${c.number}`}>
                      <span aria-hidden="true">▶</span> {c.name}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
            <p>
              <Link className="button secondary" to={`/devices/${id}/household`}>
                {t('household.screen.link')}
              </Link>
            </p>
          </Page>
        );
      }}
    </Async>
  );
}

function channelName(m: DeviceMedia, n: number): string {
  return m.channels.find((c) => c.number === n)?.name ?? i18next.t('live.channel', { number: n });
}

function ChannelPlayer({ media, channel }: { media: DeviceMedia; channel: number }) {
  const deviceId = media.device.id;
  const { hlsUrl, webrtcUrl } = media.server;
  // WebRTC when the server says so; HLS for the rest of the screen's life if WebRTC never connects (UDP blocked).
  const [protocol, setProtocol] = useState(media.server.protocol);
  const features = media.channels.find((c) => c.number === channel);
  const video = useRef<HTMLVideoElement>(null);
  const [note, setNote] = useState<string | null>(null);

  const state = usePlayer(
    video,
    {
      issue: () => streamTicket({ deviceId, channel, permission: 'live_view' }),
      refused: errorMessage,
      ended: (err) => {
        // 404: Keyholder no longer admits this device exists for me, i.e. my access was taken away.
        const why = err instanceof ApiError && err.status === 404 ? i18next.t('live.revoked') : errorMessage(err);
        return i18next.t('live.stopped', { why });
      },
      start: async (stream) => {
        if (protocol === 'webrtc' && webrtcUrl) {
          if (typeof RTCPeerConnection === 'undefined') {
            stream.refuse(i18next.t('live.noWebrtc'));
            return undefined;
          }
          const endpoint = `${webrtcUrl}/${stream.path}/whep`;
          return playWhep(stream.el, endpoint, stream.bearer(), (why, connected, detail) => {
            if (!stream.alive()) return;
            if (why === 'stopped' && !connected && hlsUrl) {
              setNote(i18next.t('live.overHls'));
              setProtocol('hls');
            } else if (why === 'stopped' || why === 'unauthorized') stream.stopped();
            else
              stream.refuse(
                why === 'not_found'
                  ? i18next.t('live.notStreaming')
                  : detail
                    ? i18next.t('live.mediaRefusedWhy', { detail })
                    : i18next.t('live.mediaRefused'),
              );
          }).catch((err: Error) => {
            stream.refuse(i18next.t('live.webrtcFailed', { why: err.message }));
            return () => {};
          });
        }
        if (!hlsUrl) return undefined;
        return playHls(stream, `${hlsUrl}/${stream.path}/index.m3u8`, i18next.t('live.noMse'));
      },
    },
    [deviceId, channel, protocol, hlsUrl, webrtcUrl],
  );

  if (state.kind === 'refused') {
    return (
      <div className="state error" role="alert">
        {state.message}
      </div>
    );
  }
  return (
    <div className="live">
      {state.kind === 'ended' ? (
        <div className="state error" role="alert">
          {state.message}
        </div>
      ) : null}
      <video
        ref={video}
        className="live-video"
        aria-label={i18next.t('live.videoOf', { name: channelName(media, channel) })}
        muted
        playsInline
        hidden={state.kind === 'ended'}
      />
      {state.kind === 'starting' ? (
        <p className="muted small" role="status">
          {i18next.t('live.connecting')}
        </p>
      ) : null}
      <div className="row" hidden={state.kind === 'ended'}>
        {features?.ptz ? (
          <button type="button" onClick={() => setNote(i18next.t('live.ptzNote'))}>
            {i18next.t('live.ptz')}
          </button>
        ) : null}
        {features?.twoWayAudio ? (
          <button type="button" onClick={() => setNote(i18next.t('live.talkNote'))}>
            {i18next.t('live.talk')}
          </button>
        ) : null}
        {features?.playback ? (
          <Link className="button" to={`/devices/${deviceId}/playback/${channel}`}>
            {i18next.t('shares.recordings')}
          </Link>
        ) : null}
      </div>
      {note ? (
        <p className="muted small" role="status">
          {note}
        </p>
      ) : null}
    </div>
  );
}
