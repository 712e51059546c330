// Live video's start-up, shared by the Live screen and the guest link's watch page: a stream ticket from Keyholder,
// renewed before it expires while the screen is open and sent as `Authorization: Bearer` (never in a URL); when the
// stream stops, a new ticket means reconnect and a refusal says why access ended. How the video reaches the browser
// (hls.js here, WebRTC on the Live screen) is the caller's `start`.
import { useEffect, useRef, useState, type DependencyList, type RefObject } from 'react';
import Hls from 'hls.js';

/** A stream ticket as Keyholder issues it, to members and guests alike. */
export interface StreamTicket {
  ticket: string;
  path: string;
  expiresAt: number;
}

/** Renew this long before a ticket expires (tickets live 60 s by default). */
const RENEW_BEFORE_MS = 15_000;

export type PlayerState =
  | { kind: 'starting' }
  | { kind: 'playing' }
  /** It played, stopped, and access no longer allows it. */
  | { kind: 'ended'; message: string }
  /** It never started. */
  | { kind: 'refused'; message: string };

/** What `start` gets to play one stream. */
export interface Stream {
  el: HTMLVideoElement;
  /** The media path of the first ticket. */
  path: string;
  /** The current ticket (it is renewed while playing). */
  bearer(): string;
  /** The stream stopped: reconnect with a new ticket, or end saying why access ended. */
  stopped(): void;
  /** It cannot play here (and retrying will not help): shows `message` instead. */
  refuse(message: string): void;
  /** False once the player is left or restarted. */
  alive(): boolean;
}

export interface PlayerOptions {
  /** A fresh live-view ticket. */
  issue(): Promise<StreamTicket>;
  /** Starts the video in `stream.el`; returns what stops it (or nothing when it did not start). */
  start(stream: Stream): Promise<(() => void) | undefined> | (() => void) | undefined;
  /** The words when the first ticket was refused. */
  refused(err: unknown): string;
  /** The words when the stream stopped and no new ticket is issued. */
  ended(err: unknown): string;
}

/**
 * Plays a live stream into `video` and says how it goes. Restarts when `deps` change (what the stream is of, how it
 * is played) and after each reconnect; the options are read at their latest, so new words do not restart it.
 */
export function usePlayer(
  video: RefObject<HTMLVideoElement | null>,
  options: PlayerOptions,
  deps: DependencyList,
): PlayerState {
  const [state, setState] = useState<PlayerState>({ kind: 'starting' });
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    let alive = true;
    let stop: (() => void) | null = null;
    let renewTimer: ReturnType<typeof setTimeout> | undefined;
    const ticket = { current: '' };

    const renew = async (): Promise<StreamTicket> => {
      const issued = await latest.current.issue();
      ticket.current = issued.ticket;
      clearTimeout(renewTimer);
      // Well before it expires: 15 s ahead, or half-way for short-lived tickets.
      const lifetime = Math.max(0, issued.expiresAt - Date.now());
      renewTimer = setTimeout(
        () => {
          // A failed renewal is not yet the end: Keyholder ends the playing session when access ends.
          renew().catch(() => {});
        },
        Math.max(1_000, lifetime > 2 * RENEW_BEFORE_MS ? lifetime - RENEW_BEFORE_MS : lifetime / 2),
      );
      return issued;
    };

    /** The stream stopped: a new ticket means reconnect; a refusal says why access ended. */
    const stopped = async () => {
      stop?.();
      stop = null;
      video.current?.pause();
      try {
        await renew();
        if (alive) setAttempt((a) => a + 1);
      } catch (err) {
        if (alive) setState({ kind: 'ended', message: latest.current.ended(err) });
      }
    };

    void (async () => {
      let first: StreamTicket;
      try {
        first = await renew();
      } catch (err) {
        if (alive) setState({ kind: 'refused', message: latest.current.refused(err) });
        return;
      }
      if (!alive || !video.current) return;
      const el = video.current;
      el.addEventListener('playing', () => alive && setState({ kind: 'playing' }), { once: true });
      const cleanup = await latest.current.start({
        el,
        path: first.path,
        bearer: () => ticket.current,
        stopped: () => void stopped(),
        refuse: (message) => {
          if (alive) setState({ kind: 'refused', message });
        },
        alive: () => alive,
      });
      if (!cleanup) return;
      if (alive) stop = cleanup;
      else cleanup();
    })();

    return () => {
      alive = false;
      clearTimeout(renewTimer);
      stop?.();
    };
    // The caller's deps (spread) and the reconnect count are the dependencies, on purpose.
  }, [...deps, attempt]);

  return state;
}

/**
 * Plays the HLS stream at `src` with hls.js, the ticket as `Authorization: Bearer` on every request; a fatal error
 * is a stopped stream. Refuses with `unsupported` where the browser has no Media Source Extensions.
 */
export function playHls(stream: Stream, src: string, unsupported: string): (() => void) | undefined {
  if (!Hls.isSupported()) {
    stream.refuse(unsupported);
    return undefined;
  }
  const { el } = stream;
  // One quick retry, then the stream counts as stopped and Keyholder is asked why.
  const retry = { maxNumRetry: 1, retryDelayMs: 250, maxRetryDelayMs: 500 };
  const policy = {
    default: { maxTimeToFirstByteMs: 10_000, maxLoadTimeMs: 10_000, timeoutRetry: retry, errorRetry: retry },
  };
  const hls = new Hls({
    xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${stream.bearer()}`),
    liveSyncDurationCount: 2,
    manifestLoadPolicy: policy,
    playlistLoadPolicy: policy,
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (data.fatal) stream.stopped();
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    el.play().catch(() => {});
  });
  hls.loadSource(src);
  hls.attachMedia(el);
  return () => hls.destroy();
}
