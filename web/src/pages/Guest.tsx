// The guest link's watch page, for someone without an account (docs/sharing.md, "Guest links"). The link's token
// arrives in the address's fragment, which browsers never send to a server: it is read once, removed from the
// address bar and history, and exchanged at once (POST) for a guest session kept in this tab only. Video plays
// like on the Live screen (hls.js, the ticket as `Authorization: Bearer`, renewed before it expires); when the
// stream stops the page asks why and says so plainly (expired, revoked). A link with playback also lists what was
// recorded while it is valid, played like on the Playback screen (the playback server's /list and /get, the
// ticket as `Authorization: Bearer`, the clip played from memory).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { ApiError, api, call, errorMessage, type Res } from '../api/client.ts';
import { Clip, ClipList, clock, listRecordings, type Recording } from '../components/Clips.tsx';
import { Logo } from '../components/Logo.tsx';
import { Field } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { playHls, usePlayer } from '../lib/player.ts';

type Watch = Res<'/api/guest/session', 'get'>;

const STORED = 'keyholder.guest-session';

/** The words for a refusal the guest can do nothing about but hear why. */
function endedText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'guest_link_expired' || err.code === 'expired') return i18next.t('guest.expired');
    if (err.code === 'guest_link_revoked' || err.status === 404) return i18next.t('guest.revoked');
    if (err.code === 'guest_link_used') return i18next.t('guest.used');
  }
  return errorMessage(err);
}

function guestHeaders(session: string) {
  return { 'x-guest-session': session };
}

type State =
  | { kind: 'opening' }
  | { kind: 'pin'; token: string; error: string | null }
  | { kind: 'watching'; session: string; watch: Watch }
  | { kind: 'ended'; message: string };

export function GuestPage() {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ kind: 'opening' });
  const started = useRef(false);

  useEffect(() => {
    document.title = `${t('guest.title')} · Keyholder`;
  }, [t]);

  const show = async (session: string) => {
    try {
      const watch = await call(api.GET('/api/guest/session', { headers: guestHeaders(session) }));
      sessionStorage.setItem(STORED, session);
      setState({ kind: 'watching', session, watch });
    } catch (err) {
      sessionStorage.removeItem(STORED);
      setState({ kind: 'ended', message: endedText(err) });
    }
  };

  const exchange = async (token: string, pin?: string) => {
    try {
      const opened = await call(api.POST('/api/guest/session', { body: { token, ...(pin ? { pin } : {}) } }));
      await show(opened.session);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'pin_required' || err.code === 'pin_wrong' || err.status === 429))
        setState({ kind: 'pin', token, error: err.code === 'pin_required' ? null : err.message });
      else setState({ kind: 'ended', message: endedText(err) });
    }
  };

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = window.location.hash.slice(1);
    if (token) {
      // The token leaves the address bar and history at once; it is only ever sent in a POST body.
      window.history.replaceState(null, '', window.location.pathname);
      void exchange(token);
      return;
    }
    const kept = sessionStorage.getItem(STORED);
    if (kept) void show(kept);
    else setState({ kind: 'ended', message: t('guest.noLink') });
  }, []);

  return (
    <main className="guest">
      <header className="guest-header">
        <Logo />
      </header>
      {state.kind === 'opening' ? (
        <p role="status" className="muted">
          {t('guest.opening')}
        </p>
      ) : state.kind === 'pin' ? (
        <PinForm error={state.error} onSubmit={(pin) => void exchange(state.token, pin)} />
      ) : state.kind === 'ended' ? (
        <div className="state error" role="alert">
          {state.message}
        </div>
      ) : (
        <Watching
          session={state.session}
          watch={state.watch}
          onEnded={(message) => {
            sessionStorage.removeItem(STORED);
            setState({ kind: 'ended', message });
          }}
        />
      )}
    </main>
  );
}

function PinForm({ error, onSubmit }: { error: string | null; onSubmit(pin: string): void }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(pin);
  };
  return (
    <form className="card" onSubmit={submit}>
      <h1>{t('guest.pinTitle')}</h1>
      <Field label={t('guest.pinLabel')} hint={t('guest.pinHint')} error={error}>
        {(field) => (
          <input
            {...field}
            inputMode="numeric"
            autoComplete="off"
            pattern="[0-9]{4,8}"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            required
          />
        )}
      </Field>
      <button type="submit" className="primary">
        {t('guest.pinSubmit')}
      </button>
    </form>
  );
}

function Watching({ session, watch, onEnded }: { session: string; watch: Watch; onEnded(message: string): void }) {
  const { t } = useTranslation();
  const watchable = watch.channels.filter((c) => c.liveView);
  const [channel, setChannel] = useState<number | null>(watchable[0]?.number ?? null);
  return (
    <section className="page" aria-labelledby="guest-title">
      <h1 id="guest-title">{watch.label ? `${watch.device.name} · ${watch.label}` : watch.device.name}</h1>
      <p className="muted">{t('guest.until', { when: dateTime(watch.validUntil, Date.now(), true) })}</p>
      {!watch.server.configured || !watch.server.hlsUrl ? (
        <div className="notice warning">{t('guest.noServer')}</div>
      ) : channel === null ? (
        <div className="notice">{t('guest.noChannel')}</div>
      ) : (
        <>
          {watchable.length > 1 ? (
            <ul className="channel-grid" aria-label={t('guest.channels')}>
              {watchable.map((c) => (
                <li key={c.number}>
                  <button
                    type="button"
                    className="channel-tile"
                    aria-pressed={c.number === channel}
                    onClick={() => setChannel(c.number)}
                  >
                    {c.name}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <GuestPlayer
            key={channel}
            session={session}
            channel={channel}
            name={watchable.find((c) => c.number === channel)?.name ?? String(channel)}
            hlsUrl={watch.server.hlsUrl}
            onEnded={onEnded}
          />
          {watch.server.playbackUrl && watch.channels.some((c) => c.number === channel && c.playback) ? (
            <GuestRecordings
              key={`r${channel}`}
              session={session}
              channel={channel}
              playbackUrl={watch.server.playbackUrl}
              onEnded={onEnded}
            />
          ) : null}
        </>
      )}
    </section>
  );
}

function GuestPlayer(props: {
  session: string;
  channel: number;
  name: string;
  hlsUrl: string;
  onEnded(message: string): void;
}) {
  const { session, channel, name, hlsUrl, onEnded } = props;
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const state = usePlayer(
    video,
    {
      issue: () =>
        call(
          api.POST('/api/guest/stream-tickets', {
            headers: guestHeaders(session),
            body: { channel, permission: 'live_view' },
          }),
        ),
      refused: endedText,
      ended: (err) => t('guest.ended', { why: endedText(err) }),
      start: (stream) => playHls(stream, `${hlsUrl}/${stream.path}/index.m3u8`, t('guest.unsupported')),
    },
    [session, channel, hlsUrl],
  );
  // The latest callback, without telling the parent again when it renders again.
  const ended = useRef(onEnded);
  ended.current = onEnded;
  useEffect(() => {
    if (state.kind === 'refused' || state.kind === 'ended') ended.current(state.message);
  }, [state]);

  return (
    <div className="live">
      <video ref={video} className="live-video" aria-label={t('guest.liveOf', { name })} muted playsInline />
      {state.kind === 'playing' ? null : (
        <p className="muted small" role="status">
          {t('guest.connecting')}
        </p>
      )}
    </div>
  );
}

/** The longest span asked at once: a link lasts at most a week (GUEST_LINK_MAX_HOURS), so this covers its window. */
const RECORDED_SPAN_MS = 7 * 86_400_000;
function playbackTicket(session: string, channel: number, range: { from: number; until: number }) {
  return call(
    api.POST('/api/guest/stream-tickets', {
      headers: guestHeaders(session),
      body: { channel, permission: 'playback', ...range },
    }),
  );
}

/** What was recorded on the channel while the link is valid: listed on request, each recording played in place. */
function GuestRecordings(props: { session: string; channel: number; playbackUrl: string; onEnded(m: string): void }) {
  const { session, channel, playbackUrl, onEnded } = props;
  const { t } = useTranslation();
  const [list, setList] = useState<
    | { kind: 'idle' }
    | { kind: 'loading' }
    | { kind: 'shown'; recordings: Recording[] }
    | { kind: 'error'; message: string }
  >({ kind: 'idle' });
  const [playing, setPlaying] = useState<Recording | null>(null);
  const [range, setRange] = useState<{ from: number; until: number } | null>(null);

  const load = async () => {
    setList({ kind: 'loading' });
    setPlaying(null);
    const until = Date.now();
    const span = { from: until - RECORDED_SPAN_MS, until };
    try {
      const allowed = await call(
        api.GET('/api/guest/playback-windows', {
          params: { query: { channel, ...span } },
          headers: guestHeaders(session),
        }),
      );
      const recordings =
        allowed.windows.length > 0
          ? await listRecordings(playbackUrl, await playbackTicket(session, channel, span), allowed.windows, (status) =>
              t('guest.recordingsRefused', { status }),
            )
          : [];
      setRange(span);
      setList({ kind: 'shown', recordings });
    } catch (err) {
      if (err instanceof ApiError && err.status === 410) onEnded(endedText(err));
      else setList({ kind: 'error', message: errorMessage(err) });
    }
  };

  return (
    <section className="card" aria-labelledby="guest-recordings">
      <h2 id="guest-recordings">{t('guest.recordings')}</h2>
      <p className="muted small">{t('guest.recordingsIntro')}</p>
      <button type="button" className="secondary" onClick={() => void load()} disabled={list.kind === 'loading'}>
        {list.kind === 'idle' ? t('guest.showRecordings') : t('guest.refreshRecordings')}
      </button>
      {list.kind === 'loading' ? (
        <p className="muted small" role="status">
          {t('guest.loadingRecordings')}
        </p>
      ) : list.kind === 'error' ? (
        <div className="state error" role="alert">
          {list.message}
        </div>
      ) : list.kind === 'shown' ? (
        list.recordings.length === 0 ? (
          <p>{t('guest.noRecordings')}</p>
        ) : (
          <ClipList
            recordings={list.recordings}
            label={t('guest.recordings')}
            play={(when) => t('guest.play', { when })}
            buttonClassName="secondary small-btn"
            onPlay={setPlaying}
          />
        )
      ) : null}
      {playing && range ? (
        <Clip
          key={playing.start}
          playbackUrl={playbackUrl}
          recording={playing}
          ticket={() => playbackTicket(session, channel, range)}
          label={t('guest.recordingOf', { when: clock(playing.start) })}
          loading={
            <p className="muted small" role="status">
              {t('guest.loadingRecording')}
            </p>
          }
          refused={(status) =>
            status === 401 ? t('guest.recordingNotShared') : t('guest.recordingsRefused', { status })
          }
          errorText={endedText}
        />
      ) : null}
    </section>
  );
}
