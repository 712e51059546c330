// Playback: a day's timeline of the recordings I may see on one channel. Keyholder says which recorded time my
// grant opens (playback windows); MediaMTX's playback server lists the recordings inside those windows (/list)
// and serves a clip (/get). The ticket travels as `Authorization: Bearer`, never in a URL: the clip is fetched
// and played from memory.
import i18next from 'i18next';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, call, errorMessage } from '../api/client.ts';
import { Clip, ClipList, clock, listRecordings, type Recording } from '../components/Clips.tsx';
import { Async, Loading, Notice, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';
import { NoMediaServer, streamTicket, useDeviceMedia, type DeviceMedia } from './Live.tsx';

const DAY_MS = 86_400_000;

function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function dayRange(day: string): { from: number; until: number } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const from = new Date(y, m - 1, d).getTime();
  return { from, until: new Date(y, m - 1, d + 1).getTime() };
}

export function PlaybackPage() {
  const { id = '', channel } = useParams();
  const media = useDeviceMedia(id);
  return (
    <Async state={media} what={i18next.t('share.loadingDevice')}>
      {(m) => {
        const playable = m.channels.filter((c) => c.playback);
        const selected = channel ? Number(channel) : (playable[0]?.number ?? null);
        return (
          <Page title={`${m.device.name} · ${i18next.t('shares.recordings')}`} back={true}>
            {!m.server.configured || !m.server.playbackUrl ? (
              <NoMediaServer docsUrl={m.server.docsUrl} />
            ) : selected === null ? (
              <Notice>{i18next.t('playback.notAllowed')}</Notice>
            ) : (
              <Timeline media={m} channel={selected} playbackUrl={m.server.playbackUrl} />
            )}
          </Page>
        );
      }}
    </Async>
  );
}

function Timeline({ media, channel, playbackUrl }: { media: DeviceMedia; channel: number; playbackUrl: string }) {
  const navigate = useNavigate();
  const deviceId = media.device.id;
  const [day, setDay] = useState(() => localDay(new Date()));
  const range = dayRange(day);
  const data = useLoad(async () => {
    const allowed = await call(
      api.GET('/api/devices/{id}/channels/{channel}/playback-windows', {
        params: { path: { id: deviceId, channel }, query: range },
      }),
    );
    if (allowed.windows.length === 0) return { allowed, recordings: [] as Recording[], ticket: null };
    const ticket = await streamTicket({ deviceId, channel, permission: 'playback', ...range });
    const recordings = await listRecordings(playbackUrl, ticket, allowed.windows, (status) =>
      i18next.t('playback.listRefused', { status }),
    );
    return { allowed, recordings, ticket };
  }, [deviceId, channel, day]);

  const [playing, setPlaying] = useState<Recording | null>(null);
  useEffect(() => setPlaying(null), [deviceId, channel, day]);

  const playable = media.channels.filter((c) => c.playback);
  return (
    <>
      <div className="row">
        <label>
          {i18next.t('playback.day')}{' '}
          <input
            type="date"
            value={day}
            max={localDay(new Date())}
            onChange={(e) => e.target.value && setDay(e.target.value)}
          />
        </label>
        {playable.length > 1 ? (
          <label>
            {i18next.t('playback.channel')}{' '}
            <select value={channel} onChange={(e) => navigate(`/devices/${deviceId}/playback/${e.target.value}`)}>
              {playable.map((c) => (
                <option key={c.number} value={c.number}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <Async state={data} what={i18next.t('playback.loading')}>
        {({ allowed, recordings }) => (
          <>
            {!allowed.allowedNow ? <Notice tone="warning">{allowed.detail}</Notice> : null}
            <div className="timeline" role="img" aria-label={i18next.t('playback.timeline')}>
              {allowed.windows.map((w) => (
                <span
                  key={`w${w.from}`}
                  className="timeline-window"
                  style={{
                    left: `${((w.from - range.from) / DAY_MS) * 100}%`,
                    width: `${((w.until - w.from) / DAY_MS) * 100}%`,
                  }}
                  title={i18next.t('playback.window', { from: clock(w.from), until: clock(w.until) })}
                />
              ))}
              {recordings.map((r) => (
                <span
                  key={`r${r.start}`}
                  className="timeline-recording"
                  style={{
                    left: `${((r.start - range.from) / DAY_MS) * 100}%`,
                    width: `${((r.duration * 1000) / DAY_MS) * 100}%`,
                  }}
                />
              ))}
            </div>
            {allowed.windows.length > 0 ? (
              <p className="muted small">
                {i18next.t('playback.windows', {
                  list: allowed.windows.map((w) => `${clock(w.from)}–${clock(w.until)}`).join(', '),
                })}
              </p>
            ) : allowed.allowedNow ? (
              <p className="muted small">{i18next.t('playback.nothingShared')}</p>
            ) : null}
            {recordings.length === 0 && allowed.windows.length > 0 ? <p>{i18next.t('playback.none')}</p> : null}
            <ClipList
              recordings={recordings}
              label={i18next.t('shares.recordings')}
              play={(time) => i18next.t('playback.play', { time })}
              onPlay={setPlaying}
            />
            {playing && data.data?.ticket ? (
              <Clip
                key={playing.start}
                playbackUrl={playbackUrl}
                recording={playing}
                ticket={() => streamTicket({ deviceId, channel, permission: 'playback', ...range })}
                label={i18next.t('playback.recordingFrom', { time: clock(playing.start) })}
                loading={<Loading what={i18next.t('playback.loadingOne')} />}
                refused={(status) =>
                  status === 401 ? i18next.t('playback.notShared') : i18next.t('playback.serverAnswered', { status })
                }
                errorText={errorMessage}
              />
            ) : null}
          </>
        )}
      </Async>
    </>
  );
}
