// Live: a recorder's grid of the channels I may watch, and one channel playing from the media server (MediaMTX)
// over HLS with hls.js. The stream ticket travels as `Authorization: Bearer` (never in a URL) and is renewed
// before it expires while the screen is open. When the stream stops, the screen asks Keyholder why and says so.
import { useEffect, useRef, useState } from 'react';
import i18next from 'i18next';
import { Trans } from 'react-i18next';
import { Link, useParams } from 'react-router';
import Hls from 'hls.js';
import { ApiError, api, call, errorMessage, type Res } from '../api/client.ts';
import { Async, Notice, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';

export type DeviceMedia = Res<'/api/devices/{id}/media', 'get'>;
type Ticket = Res<'/api/stream-tickets', 'post'>;

/** Renew this long before a ticket expires (tickets live 60 s by default). */
const RENEW_BEFORE_MS = 15_000;

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
            {!m.server.configured || !m.server.hlsUrl ? (
              <NoMediaServer docsUrl={m.server.docsUrl} />
            ) : selected ? (
              <ChannelPlayer media={m} channel={selected} hlsUrl={m.server.hlsUrl} />
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
          </Page>
        );
      }}
    </Async>
  );
}

function channelName(m: DeviceMedia, n: number): string {
  return m.channels.find((c) => c.number === n)?.name ?? i18next.t('live.channel', { number: n });
}

type PlayerState =
  | { kind: 'starting' }
  | { kind: 'playing' }
  | { kind: 'ended'; message: string }
  | { kind: 'refused'; message: string };

function ChannelPlayer({ media, channel, hlsUrl }: { media: DeviceMedia; channel: number; hlsUrl: string }) {
  const deviceId = media.device.id;
  const features = media.channels.find((c) => c.number === channel);
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<PlayerState>({ kind: 'starting' });
  const [attempt, setAttempt] = useState(0);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    let hls: Hls | null = null;
    let renewTimer: ReturnType<typeof setTimeout> | undefined;
    const ticket = { current: '' };

    const renew = async (): Promise<Ticket> => {
      const t = await streamTicket({ deviceId, channel, permission: 'live_view' });
      ticket.current = t.ticket;
      clearTimeout(renewTimer);
      // Well before it expires: 15 s ahead, or half-way for short-lived tickets.
      const lifetime = Math.max(0, t.expiresAt - Date.now());
      renewTimer = setTimeout(
        () => {
          // A failed renewal is not yet the end: the playing session is ended by Keyholder when access ends.
          renew().catch(() => {});
        },
        Math.max(1_000, lifetime > 2 * RENEW_BEFORE_MS ? lifetime - RENEW_BEFORE_MS : lifetime / 2),
      );
      return t;
    };

    /** The stream stopped: ask Keyholder whether access ended (and why), or whether to reconnect. */
    const stopped = async () => {
      hls?.destroy();
      hls = null;
      video.current?.pause();
      try {
        await renew();
        if (alive) setAttempt((a) => a + 1);
      } catch (err) {
        if (!alive) return;
        // 404: Keyholder no longer admits this device exists for me, i.e. my access was taken away.
        const why = err instanceof ApiError && err.status === 404 ? i18next.t('live.revoked') : errorMessage(err);
        setState({ kind: 'ended', message: i18next.t('live.stopped', { why }) });
      }
    };

    void (async () => {
      let t: Ticket;
      try {
        t = await renew();
      } catch (err) {
        if (alive) setState({ kind: 'refused', message: errorMessage(err) });
        return;
      }
      if (!alive || !video.current) return;
      const el = video.current;
      const src = `${hlsUrl}/${t.path}/index.m3u8`;
      if (!Hls.isSupported()) {
        setState({ kind: 'refused', message: i18next.t('live.noMse') });
        return;
      }
      const retry = { maxNumRetry: 1, retryDelayMs: 250, maxRetryDelayMs: 500 };
      const policy = {
        default: { maxTimeToFirstByteMs: 10_000, maxLoadTimeMs: 10_000, timeoutRetry: retry, errorRetry: retry },
      };
      hls = new Hls({
        xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${ticket.current}`),
        liveSyncDurationCount: 2,
        manifestLoadPolicy: policy,
        playlistLoadPolicy: policy,
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) void stopped();
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        el.play().catch(() => {});
      });
      el.addEventListener('playing', () => alive && setState({ kind: 'playing' }), { once: true });
      hls.loadSource(src);
      hls.attachMedia(el);
    })();

    return () => {
      alive = false;
      clearTimeout(renewTimer);
      hls?.destroy();
    };
  }, [deviceId, channel, hlsUrl, attempt]);

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
