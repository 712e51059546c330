// Recordings on MediaMTX's playback server, shared by the Playback screen and the guest link's watch page: /list
// names what was recorded inside the windows Keyholder opens, /get serves one clip. The ticket travels as
// `Authorization: Bearer`, never in a URL, so the clip is fetched and played from memory.
import i18next from 'i18next';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorBox } from './ui.tsx';

export interface Recording {
  start: number;
  /** Seconds. */
  duration: number;
}

/** A playback ticket: the media path it opens and the bearer. */
interface PlaybackTicket {
  ticket: string;
  path: string;
}

/** Longest clip fetched at once (the browser holds it in memory). */
const CLIP_MAX_S = 600;

export const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString(i18next.language, { hour: '2-digit', minute: '2-digit' });

/** What the playback server recorded inside `windows`; `refused` words any answer but a list or 404 (nothing there). */
export async function listRecordings(
  playbackUrl: string,
  ticket: PlaybackTicket,
  windows: Array<{ from: number; until: number }>,
  refused: (status: number) => string,
): Promise<Recording[]> {
  const recordings: Recording[] = [];
  for (const w of windows) {
    const q = new URLSearchParams({
      path: ticket.path,
      start: new Date(w.from).toISOString(),
      end: new Date(w.until).toISOString(),
    });
    const res = await fetch(`${playbackUrl}/list?${q}`, { headers: { authorization: `Bearer ${ticket.ticket}` } });
    if (res.status === 404) continue; // nothing recorded in this window
    if (!res.ok) throw new Error(refused(res.status));
    for (const e of (await res.json()) as Array<{ start: string; duration: number }>)
      recordings.push({ start: Date.parse(e.start), duration: e.duration });
  }
  return recordings;
}

/** The recordings, each from–until with its play button. */
export function ClipList(props: {
  recordings: Recording[];
  label: string;
  /** The play button's words for a recording that starts at `time`. */
  play(time: string): string;
  buttonClassName?: string;
  onPlay(recording: Recording): void;
}) {
  const { recordings, label, play, buttonClassName, onPlay } = props;
  return (
    <ul className="list" aria-label={label}>
      {recordings.map((r) => (
        <li key={r.start} className="list-item">
          <div className="grow">
            {clock(r.start)}–{clock(r.start + r.duration * 1000)}
          </div>
          <button type="button" className={buttonClassName} onClick={() => onPlay(r)}>
            {play(clock(r.start))}
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * One recording, fetched whole with a fresh ticket (the one used for the list may be near its end) and played from
 * memory. The caller keys it on what it plays; a new recording is a new Clip.
 */
export function Clip(props: {
  playbackUrl: string;
  recording: Recording;
  /** A fresh playback ticket covering the recording. */
  ticket(): Promise<PlaybackTicket>;
  /** The video's accessible name. */
  label: string;
  /** Shown while the clip loads. */
  loading: ReactNode;
  /** The words when the server says no: 401 (not shared) or any other status. */
  refused(status: number): string;
  /** The words for a failure. */
  errorText(err: unknown): string;
}) {
  const { playbackUrl, recording, label, loading } = props;
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  // The latest ticket and words, without fetching the clip again when the parent renders again.
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    let url: string | null = null;
    let alive = true;
    (async () => {
      const ticket = await latest.current.ticket();
      const q = new URLSearchParams({
        path: ticket.path,
        start: new Date(recording.start).toISOString(),
        duration: String(Math.min(recording.duration, CLIP_MAX_S)),
        format: 'mp4',
      });
      const res = await fetch(`${playbackUrl}/get?${q}`, { headers: { authorization: `Bearer ${ticket.ticket}` } });
      if (!res.ok) throw new Error(latest.current.refused(res.status));
      url = URL.createObjectURL(await res.blob());
      if (!alive || !video.current) return;
      video.current.src = url;
      await video.current.play().catch(() => {});
    })().then(
      () => alive && setBusy(false),
      (err) => {
        if (!alive) return;
        setBusy(false);
        setError(latest.current.errorText(err));
      },
    );
    return () => {
      alive = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [playbackUrl, recording.start, recording.duration]);
  return (
    <div className="live">
      {busy ? loading : null}
      <ErrorBox message={error} />
      <video ref={video} className="live-video" aria-label={label} muted playsInline controls />
    </div>
  );
}
