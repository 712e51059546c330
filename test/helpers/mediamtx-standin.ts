// STAND-IN for MediaMTX, for tests only — NOT MediaMTX. MediaMTX cannot be installed on the build machines, so
// this implements just the parts Keyholder uses, with MediaMTX's request and response shapes, read from its
// source (bluenviron/mediamtx @ 3e09466, v1.20.x):
// - authMethod http: POST to authHTTPAddress with the JSON body of internal/auth/manager.go authenticateHTTP
//   ({ip, user, password, token, action, path, protocol, id, query, userAgent}); 2xx allows. Credentials are read
//   as internal/protocols/httpp/credentials.go does (Bearer JWT → token, Bearer user:pass or Basic → user/pass).
// - HLS server (internal/servers/hls/http_server.go): GET /<path>/index.m3u8 authenticates (action read,
//   protocol hls, id = the new session's UUID) and opens a session; later requests carry `?session=<secret>`
//   (MediaMTX's query fallback over plain HTTP) and get 401 {"status":"error","error":"authentication error"}
//   once the session is gone. Simplified: MPEG-TS segments instead of LL-HLS fMP4, no cookieCheck redirect.
//   The video is REAL H.264 (an ffmpeg testsrc pattern, 320x180, 10 fps), looped as a live stream.
// - WebRTC server, WHEP (internal/servers/webrtc/http_server.go, session.go): POST /<path>/whep with
//   `Content-Type: application/sdp` authenticates (action read, protocol webrtc, id = the session's UUID, query =
//   the raw query) and answers 201 with the answer SDP, `Location: /<path>/whep/<secret>` and `ID: <uuid>`;
//   PATCH of the Location adds trickled candidates (application/trickle-ice-sdpfrag, 204), DELETE ends it (200).
//   The media is REAL WebRTC (werift, pure TypeScript): VP8 from ffmpeg (libvpx, 320x180, 10 fps) over RTP on
//   loopback, DTLS-SRTP to the browser; ICE host candidates on 127.0.0.1 only. Simplified: one ICE socket per
//   session instead of MediaMTX's shared UDP mux on :8189, no ICE servers (Link header), no ICE restart.
// - Control API (internal/apidocsgen/openapi.template.yaml, internal/defs/api_hls.go, api_webrtc.go):
//   /v3/hlsmuxers/list, /v3/hlssessions/list|get/{id}|kick/{id}, /v3/webrtcsessions/list|get/{id}|kick/{id}
//   and the other protocols' list/kick (empty here); every call authenticates with action api, as MediaMTX does.
// - Playback server (internal/playback/server.go, on_list.go, on_get.go): GET /list?path&start&end and
//   GET /get?path&start&duration[&format], authenticated with action playback and the raw query. /list trims
//   entries to start/end exactly as on_list.go; /get serves one pre-encoded clip (the real one cuts the
//   recording at start/duration).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const LIVE_SEGMENTS = 30;
const CACHE_DIR = path.join(os.tmpdir(), 'keyholder-mediamtx-standin-v1');

/** The ffmpeg binary of the npm package @ffmpeg-installer/linux-x64 (or FFMPEG_PATH). */
export function ffmpegPath(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  const pkg = createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/package.json');
  return path.join(path.dirname(pkg), 'ffmpeg');
}

/** Encodes the test media once per machine (cached in the temp directory; ~2 s). */
export function ensureMedia(): { dir: string; durations: number[] } {
  const done = path.join(CACHE_DIR, 'live.m3u8');
  if (!fs.existsSync(done)) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-standin-'));
    const common = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10'];
    const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'];
    const gop = ['-g', '10', '-keyint_min', '10', '-sc_threshold', '0'];
    const live = spawnSync(
      ffmpegPath(),
      [
        ...common,
        '-t',
        String(LIVE_SEGMENTS),
        ...h264,
        ...gop,
        '-f',
        'hls',
        '-hls_time',
        '1',
        '-hls_list_size',
        '0',
        '-hls_segment_filename',
        path.join(tmp, 'live%03d.ts'),
        path.join(tmp, 'live.m3u8'),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (live.status !== 0) throw new Error(`ffmpeg (live) failed: ${live.stderr}`);
    const clip = spawnSync(
      ffmpegPath(),
      [
        ...common,
        '-t',
        '20',
        ...h264,
        ...gop,
        '-movflags',
        'frag_keyframe+empty_moov+default_base_moof',
        '-f',
        'mp4',
        path.join(tmp, 'clip.mp4'),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (clip.status !== 0) throw new Error(`ffmpeg (clip) failed: ${clip.stderr}`);
    fs.mkdirSync(path.dirname(CACHE_DIR), { recursive: true });
    try {
      fs.renameSync(tmp, CACHE_DIR);
    } catch {
      // Another test file encoded it at the same time: theirs is as good.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const durations = [...fs.readFileSync(done, 'utf8').matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
  return { dir: CACHE_DIR, durations };
}

export interface AuthBody {
  ip: string;
  user: string;
  password: string;
  token: string;
  action: string;
  path: string;
  protocol: string;
  id: string | null;
  query: string;
  userAgent: string;
}

interface HlsSession {
  id: string;
  secret: string;
  path: string;
  created: string;
  remoteAddr: string;
  query: string;
  user: string;
  userAgent: string;
  outboundBytes: number;
}

interface WebrtcSession {
  id: string;
  secret: string;
  path: string;
  created: string;
  remoteAddr: string;
  query: string;
  user: string;
  userAgent: string;
  /** werift's RTCPeerConnection (typed loosely: werift is loaded only when a WHEP request arrives). */
  pc: import('werift').RTCPeerConnection;
  track: import('werift').MediaStreamTrack;
  established: boolean;
  bytesSent: number;
  packetsSent: number;
}

/**
 * MediaMTX (pion) sends a DTLS close_notify alert when it closes a session (a kick, a DELETE); the browser's
 * RTCDtlsTransport then turns `closed` at once. werift 0.25.2 does not send it ("todo impl send alert" in its
 * DtlsTransport.stop), so the stand-in does: an alert record (level warning, description close_notify) encrypted
 * with the session's keys through werift's own record path (its application-data sender, content type changed
 * before encryption, since the type is part of the AEAD's additional data).
 */
async function closeNotify(pc: import('werift').RTCPeerConnection): Promise<void> {
  interface Plaintext {
    recordLayerHeader: { contentType: number };
  }
  interface Socket {
    cipher?: { encryptPacket(p: Plaintext): Plaintext };
    send(buf: Buffer): Promise<void>;
  }
  for (const t of pc.dtlsTransports as unknown as Array<{ state: string; dtls?: Socket }>) {
    const socket = t.dtls;
    if (t.state !== 'connected' || !socket?.cipher) continue;
    const cipher = socket.cipher;
    const encrypt = cipher.encryptPacket;
    cipher.encryptPacket = (p) => {
      p.recordLayerHeader.contentType = 21; // ContentType.alert (RFC 6347) instead of application_data
      return encrypt.call(cipher, p);
    };
    try {
      await socket.send(Buffer.from([1, 0])); // AlertLevel.warning, AlertDescription.close_notify
    } finally {
      cipher.encryptPacket = encrypt;
    }
  }
}

export interface Recording {
  start: Date;
  /** Seconds. */
  duration: number;
}

export interface StandinOptions {
  /** authHTTPAddress: Keyholder's /mediamtx/auth. */
  authHttpAddress: string;
  /** Paths with a publisher (live video); others answer 404 after authentication, like MediaMTX. */
  livePaths?: string[];
  /** Recorded segments per path, for the playback server. */
  recordings?: Record<string, Recording[]>;
}

export interface MediaMtxStandin {
  /** authHTTPAddress; settable, since Keyholder's port is often known only after the stand-in started. */
  authHttpAddress: string;
  hlsUrl: string;
  /** MediaMTX's WebRTC server (webrtcAddress): WHEP at `<webrtcUrl>/<path>/whep`. */
  webrtcUrl: string;
  apiUrl: string;
  playbackUrl: string;
  /**
   * TEST KNOB, not MediaMTX: behave as if the browser could not reach the WebRTC media port (UDP blocked): WHEP
   * still answers 201, but the answer carries no candidates and trickled ones are ignored, so ICE never connects.
   */
  webrtcUdpBlocked: boolean;
  /** Every auth request sent to Keyholder, with its answer status. */
  authCalls: Array<{ body: AuthBody; status: number }>;
  sessions: Map<string, HlsSession>;
  webrtcSessions: Map<string, WebrtcSession>;
  /** Ids of the sessions ended through the control API (any protocol). */
  kicks: string[];
  livePaths: Set<string>;
  recordings: Record<string, Recording[]>;
  stop(): Promise<void>;
}

function credentials(req: http.IncomingMessage): { user: string; pass: string; token: string } {
  const c = { user: '', pass: '', token: '' };
  const h = req.headers.authorization ?? '';
  if (h.startsWith('Bearer ')) {
    const v = h.slice('Bearer '.length);
    const parts = v.split(':');
    if (parts.length === 2) return { user: parts[0]!, pass: parts[1]!, token: '' };
    return { ...c, token: v };
  }
  if (h.startsWith('Basic ')) {
    const [user, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
    return { user: user ?? '', pass: rest.join(':'), token: '' };
  }
  return c;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
  res.end(JSON.stringify(body));
}

const authError = (res: http.ServerResponse) => json(res, 401, { status: 'error', error: 'authentication error' });

function listen(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { status: 'error', error: err.message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${a.port}` });
    }),
  );
}

/** CORS as MediaMTX's HTTP servers answer it (allowOrigins ["*"], preflight for Authorization). */
function preflight(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.writeHead(204, {
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'OPTIONS, GET',
      'access-control-allow-headers': 'Authorization, Range',
    });
    res.end();
    return true;
  }
  return false;
}

function formatRfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

export async function startMediaMtxStandin(options: StandinOptions): Promise<MediaMtxStandin> {
  const media = ensureMedia();
  const t0 = Date.now();
  const authCalls: MediaMtxStandin['authCalls'] = [];
  const sessions = new Map<string, HlsSession>();
  const kicks: string[] = [];
  const livePaths = new Set(options.livePaths ?? []);
  const recordings = options.recordings ?? {};

  async function authenticate(
    req: http.IncomingMessage,
    fields: { action: string; path: string; protocol: string; id: string | null; query: string },
  ): Promise<boolean> {
    const c = credentials(req);
    const body: AuthBody = {
      ip: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      user: c.user,
      password: c.pass,
      token: c.token,
      action: fields.action,
      path: fields.path,
      protocol: fields.protocol,
      id: fields.id,
      query: fields.query,
      userAgent: req.headers['user-agent'] ?? '',
    };
    const res = await fetch(standin.authHttpAddress, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    authCalls.push({ body, status: res.status });
    return res.status >= 200 && res.status <= 299;
  }

  // ---- HLS server -------------------------------------------------------------------------------------
  const livePlaylist = (secret: string): string => {
    const now = Math.floor((Date.now() - t0) / 1000) + 4;
    const first = Math.max(0, now - 4);
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:1',
      `#EXT-X-MEDIA-SEQUENCE:${first}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${Math.floor(first / LIVE_SEGMENTS)}`,
    ];
    for (let n = first; n < now; n++) {
      if (n % LIVE_SEGMENTS === 0 && n > first) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${(media.durations[n % LIVE_SEGMENTS] ?? 1).toFixed(3)},`, `seg${n}.ts?session=${secret}`);
    }
    return lines.join('\n') + '\n';
  };

  const hls = await listen(async (req, res) => {
    if (preflight(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/(.+)\/([^/]+)$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return json(res, 404, { status: 'error', error: 'not found' });
    const [, pathName, file] = m as unknown as [string, string, string];
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-cache' };
    if (file === 'index.m3u8') {
      const id = randomUUID();
      const query = url.search.slice(1);
      if (!(await authenticate(req, { action: 'read', path: pathName, protocol: 'hls', id, query })))
        return authError(res);
      if (!livePaths.has(pathName))
        return json(res, 404, { status: 'error', error: `no stream is available on path '${pathName}'` });
      const s: HlsSession = {
        id,
        secret: randomUUID(),
        path: pathName,
        created: new Date().toISOString(),
        remoteAddr: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
        query,
        user: credentials(req).user,
        userAgent: req.headers['user-agent'] ?? '',
        outboundBytes: 0,
      };
      sessions.set(id, s);
      res.writeHead(200, { ...cors, 'content-type': 'application/vnd.apple.mpegurl' });
      res.end(
        [
          '#EXTM3U',
          '#EXT-X-VERSION:3',
          '#EXT-X-INDEPENDENT-SEGMENTS',
          '#EXT-X-STREAM-INF:BANDWIDTH=200000,CODECS="avc1.42c00d",RESOLUTION=320x180,FRAME-RATE=10.000',
          `main_stream.m3u8?session=${s.secret}`,
          '',
        ].join('\n'),
      );
      return;
    }
    const secret = url.searchParams.get('session');
    const s = [...sessions.values()].find((x) => x.secret === secret && x.path === pathName);
    if (!s) return authError(res);
    if (file === 'main_stream.m3u8') {
      const body = livePlaylist(s.secret);
      s.outboundBytes += body.length;
      res.writeHead(200, { ...cors, 'content-type': 'application/vnd.apple.mpegurl' });
      res.end(body);
      return;
    }
    const seg = /^seg(\d+)\.ts$/.exec(file);
    if (!seg) return json(res, 404, { status: 'error', error: 'not found' });
    const data = await fs.promises.readFile(
      path.join(media.dir, `live${String(Number(seg[1]) % LIVE_SEGMENTS).padStart(3, '0')}.ts`),
    );
    s.outboundBytes += data.length;
    res.writeHead(200, { ...cors, 'content-type': 'video/mp2t' });
    res.end(data);
  });

  // ---- WebRTC server (WHEP) ---------------------------------------------------------------------------
  const webrtcSessions = new Map<string, WebrtcSession>();
  let feed: { proc: ChildProcess; sock: dgram.Socket } | null = null;

  /** One ffmpeg encoding VP8 as RTP to a loopback UDP socket, fanned out to every connected session. */
  async function ensureFeed(): Promise<void> {
    if (feed) return;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    // prettier-ignore
    const args = [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '10', '-keyint_min', '10',
      '-an', '-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${sock.address().port}?pkt_size=1200`,
    ];
    const proc = spawn(ffmpegPath(), args, { stdio: 'ignore' });
    sock.on('message', (packet) => {
      for (const s of webrtcSessions.values()) {
        if (!s.established) continue;
        try {
          s.track.writeRtp(packet);
          s.bytesSent += packet.length;
          s.packetsSent += 1;
        } catch {
          // A session closing meanwhile: it leaves the map on its own.
        }
      }
    });
    feed = { proc, sock };
  }

  /** MediaMTX drops nothing from offers; the stand-in drops mDNS (.local) candidates: resolving them would
   * multicast off the machine, and the browser is reached through its peer-reflexive address on loopback. */
  const withoutMdns = (sdp: string) =>
    sdp
      .split(/\r?\n/)
      .filter((l) => !(l.startsWith('a=candidate:') && /\.local /.test(l)))
      .join('\r\n');
  const loopbackOnly = (sdp: string) =>
    sdp
      .split(/\r?\n/)
      .filter((l) => !l.startsWith('a=candidate:') || l.includes(' 127.0.0.1 '))
      .join('\r\n');

  function closeWebrtc(s: WebrtcSession): void {
    webrtcSessions.delete(s.id);
    void closeNotify(s.pc)
      .catch(() => {})
      // Closing the socket at once could drop the alert still queued in it.
      .then(() => new Promise((resolve) => setTimeout(resolve, 50)))
      .then(() => s.pc.close())
      .catch(() => {});
  }

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const bodyOf = async (req: http.IncomingMessage, limit: number): Promise<string | null> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) return null;
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  };
  const MAX_SDP = 128 * 1024; // maxInboundSDPSize

  const webrtc = await listen(async (req, res) => {
    // middlewarePreflightRequests: the preflight for POST with Authorization and Content-Type.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'OPTIONS, GET, POST, PATCH, DELETE',
        'access-control-allow-headers': 'Authorization, Content-Type, If-Match',
      });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' };
    const error = (status: number, message: string) => {
      res.writeHead(status, { ...cors, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ status: 'error', error: message }));
    };
    const noId = /^\/(.+?)\/whep$/.exec(url.pathname);
    if (noId && req.method === 'POST') {
      const pathName = noId[1]!;
      if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/sdp')
        return error(400, 'invalid Content-Type');
      const offer = await bodyOf(req, MAX_SDP);
      if (offer === null) return error(400, 'body too big');
      const id = randomUUID();
      const query = url.search.slice(1);
      if (!(await authenticate(req, { action: 'read', path: pathName, protocol: 'webrtc', id, query })))
        return error(401, 'authentication error');
      if (!livePaths.has(pathName)) return error(404, `no stream is available on path '${pathName}'`);
      const { RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack } = await import('werift');
      await ensureFeed();
      const pc = new RTCPeerConnection({
        codecs: {
          audio: [],
          video: [
            new RTCRtpCodecParameters({
              mimeType: 'video/VP8',
              clockRate: 90000,
              rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
            }),
          ],
        },
        iceUseIpv4: true,
        iceUseIpv6: false,
        // Sockets bound to loopback, and loopback (normally skipped) offered as a host candidate.
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
        iceAdditionalHostAddresses: ['127.0.0.1'],
      });
      const track = new MediaStreamTrack({ kind: 'video' });
      const s: WebrtcSession = {
        id,
        secret: randomUUID(),
        path: pathName,
        created: new Date().toISOString(),
        remoteAddr: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
        query,
        user: credentials(req).user,
        userAgent: req.headers['user-agent'] ?? '',
        pc,
        track,
        established: false,
        bytesSent: 0,
        packetsSent: 0,
      };
      let answer: string;
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: withoutMdns(offer) });
        const video = pc.getTransceivers().find((t) => t.kind === 'video');
        if (!video) throw new Error('the offer has no video media');
        video.setDirection('sendonly');
        await video.sender.replaceTrack(track);
        await pc.setLocalDescription(await pc.createAnswer());
        if (pc.iceGatheringState !== 'complete')
          await new Promise<void>((resolve) =>
            pc.iceGatheringStateChange.subscribe((state) => state === 'complete' && resolve()),
          );
        answer = loopbackOnly(pc.localDescription!.sdp);
        if (standin.webrtcUdpBlocked) answer = answer.replace(/^a=candidate:.*\r\n/gm, '');
      } catch (err) {
        await pc.close().catch(() => {});
        return error(400, (err as Error).message);
      }
      webrtcSessions.set(id, s);
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') s.established = true;
        if (state === 'failed' || state === 'closed') closeWebrtc(s);
      });
      // webrtcHandshakeTimeout (10 s): a session that never connects is closed.
      setTimeout(() => {
        if (!s.established && webrtcSessions.get(id) === s) closeWebrtc(s);
      }, 10_000).unref();
      res.writeHead(201, {
        ...cors,
        'content-type': 'application/sdp',
        'access-control-expose-headers': 'ETag, ID, Accept-Patch, Link, Location',
        etag: '*',
        id,
        'accept-patch': 'application/trickle-ice-sdpfrag',
        location: `/${pathName}/whep/${s.secret}${query ? `?${query}` : ''}`,
      });
      res.end(answer);
      return;
    }
    if (noId && ['GET', 'HEAD', 'PUT'].includes(req.method ?? '')) return error(405, 'method not allowed');
    const withId = /^\/(.+?)\/whep\/(.+?)$/.exec(url.pathname);
    if (withId && (req.method === 'PATCH' || req.method === 'DELETE')) {
      if (!UUID.test(withId[2]!)) return error(400, 'invalid secret');
      const s = [...webrtcSessions.values()].find((x) => x.secret === withId[2]);
      if (req.method === 'DELETE') {
        if (!s) return error(404, 'session not found');
        closeWebrtc(s);
        res.writeHead(200, { ...cors, 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ status: 'ok' }));
        return;
      }
      if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/trickle-ice-sdpfrag')
        return error(400, 'invalid Content-Type');
      const frag = await bodyOf(req, MAX_SDP);
      if (frag === null) return error(400, 'body too big');
      if (!s) return error(404, 'session not found');
      // sdpFragmentToCandidates: candidates per media section, each section's numeric mid.
      let mid: string | null = null;
      const candidates: Array<{ candidate: string; sdpMid: string; sdpMLineIndex: number }> = [];
      for (const line of frag.split(/\r?\n/)) {
        if (line.startsWith('m=')) mid = null;
        else if (line.startsWith('a=mid:')) {
          mid = line.slice('a=mid:'.length);
          if (!/^\d+$/.test(mid)) return error(400, 'invalid mid attribute');
        } else if (line.startsWith('a=candidate:')) {
          if (mid === null) return error(400, 'mid attribute is missing');
          if (/\.local /.test(line)) continue;
          candidates.push({ candidate: line.slice(2), sdpMid: mid, sdpMLineIndex: Number(mid) });
        }
      }
      if (!standin.webrtcUdpBlocked) for (const c of candidates) await s.pc.addIceCandidate(c).catch(() => {});
      res.writeHead(204, cors);
      res.end();
      return;
    }
    return error(404, 'not found');
  });

  // ---- Control API ------------------------------------------------------------------------------------
  const EMPTY_COLLECTIONS = [
    'rtspsessions',
    'rtspssessions',
    'rtspconns',
    'rtspsconns',
    'rtmpconns',
    'rtmpsconns',
    'srtconns',
    'moqsessions',
  ];
  const api = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!(await authenticate(req, { action: 'api', path: '', protocol: '', id: null, query: url.search.slice(1) })))
      return authError(res);
    const p = url.pathname;
    const list = <T>(items: T[]) => ({ itemCount: items.length, pageCount: items.length > 0 ? 1 : 0, items });
    const hlsSession = (s: HlsSession) => ({
      id: s.id,
      created: s.created,
      remoteAddr: s.remoteAddr,
      path: s.path,
      query: s.query,
      user: s.user,
      userAgent: s.userAgent,
      isCDN: false,
      outboundBytes: s.outboundBytes,
    });
    if (req.method === 'GET' && p === '/v3/hlsmuxers/list') {
      const paths = [...new Set([...sessions.values()].map((s) => s.path))];
      return json(
        res,
        200,
        list(
          paths.map((name) => ({
            path: name,
            created: new Date(t0).toISOString(),
            lastRequest: new Date().toISOString(),
            outboundBytes: 0,
            outboundFramesDiscarded: 0,
            bytesSent: 0,
          })),
        ),
      );
    }
    if (req.method === 'GET' && p === '/v3/hlssessions/list')
      return json(res, 200, list([...sessions.values()].map(hlsSession)));
    let m = /^\/v3\/hlssessions\/get\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && m) {
      const s = sessions.get(m[1]!);
      return s ? json(res, 200, hlsSession(s)) : json(res, 404, { status: 'error', error: 'session not found' });
    }
    m = /^\/v3\/hlssessions\/kick\/([^/]+)$/.exec(p);
    if (req.method === 'POST' && m) {
      if (!sessions.delete(m[1]!)) return json(res, 404, { status: 'error', error: 'session not found' });
      kicks.push(m[1]!);
      return json(res, 200, { status: 'ok' });
    }
    // internal/api/api_webrtc.go and defs.APIWebRTCSession (the deprecated duplicates included).
    const webrtcSession = (s: WebrtcSession) => ({
      id: s.id,
      created: s.created,
      remoteAddr: s.remoteAddr,
      peerConnectionEstablished: s.established,
      localCandidate: '',
      remoteCandidate: '',
      state: 'read',
      path: s.path,
      query: s.query,
      user: s.user,
      userAgent: s.userAgent,
      inboundBytes: 0,
      inboundRTPPackets: 0,
      inboundRTPPacketsLost: 0,
      inboundRTPPacketsJitter: 0,
      inboundRTCPPackets: 0,
      outboundBytes: s.bytesSent,
      outboundRTPPackets: s.packetsSent,
      outboundRTCPPackets: 0,
      outboundFramesDiscarded: 0,
      bytesReceived: 0,
      bytesSent: s.bytesSent,
      rtpPacketsReceived: 0,
      rtpPacketsSent: s.packetsSent,
      rtpPacketsLost: 0,
      rtpPacketsJitter: 0,
      rtcpPacketsReceived: 0,
      rtcpPacketsSent: 0,
    });
    if (req.method === 'GET' && p === '/v3/webrtcsessions/list')
      return json(res, 200, list([...webrtcSessions.values()].map(webrtcSession)));
    m = /^\/v3\/webrtcsessions\/(get|kick)\/([^/]+)$/.exec(p);
    if (m && ((m[1] === 'get' && req.method === 'GET') || (m[1] === 'kick' && req.method === 'POST'))) {
      const id = m[2]!;
      if (!UUID.test(id)) return json(res, 400, { status: 'error', error: `invalid UUID length: ${id.length}` });
      const s = webrtcSessions.get(id);
      if (!s) return json(res, 404, { status: 'error', error: 'session not found' });
      if (m[1] === 'get') return json(res, 200, webrtcSession(s));
      // APISessionsKick: sx.Close() closes the peer connection (DTLS close_notify reaches the browser).
      closeWebrtc(s);
      kicks.push(id);
      return json(res, 200, { status: 'ok' });
    }
    m = /^\/v3\/([a-z]+)\/(list|kick\/[^/]+)$/.exec(p);
    if (m && EMPTY_COLLECTIONS.includes(m[1]!)) {
      if (m[2] === 'list' && req.method === 'GET') return json(res, 200, list([]));
      if (req.method === 'POST') return json(res, 404, { status: 'error', error: 'session not found' });
    }
    return json(res, 404, { status: 'error', error: 'not found' });
  });

  // ---- Playback server --------------------------------------------------------------------------------
  const playback = await listen(async (req, res) => {
    if (preflight(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const pathName = url.searchParams.get('path') ?? '';
    if (url.pathname !== '/list' && url.pathname !== '/get')
      return json(res, 404, { status: 'error', error: 'not found' });
    if (!/^[A-Za-z0-9_\-/.~]+$/.test(pathName))
      return json(res, 400, { status: 'error', error: `invalid path name: (${pathName})` });
    if (
      !(await authenticate(req, {
        action: 'playback',
        path: pathName,
        protocol: '',
        id: null,
        query: url.search.slice(1),
      }))
    )
      return authError(res);
    const segs = (recordings[pathName] ?? []).map((r) => ({ start: r.start.getTime(), duration: r.duration * 1000 }));
    const parse = (name: string) => {
      const raw = url.searchParams.get(name);
      if (!raw) return null;
      const t = Date.parse(raw);
      return Number.isFinite(t) ? t : NaN;
    };
    if (url.pathname === '/list') {
      const start = parse('start');
      const end = parse('end');
      if (Number.isNaN(start) || Number.isNaN(end))
        return json(res, 400, { status: 'error', error: 'invalid start or end' });
      const entries = segs
        .filter((s) => (end === null || s.start < end) && (start === null || s.start + s.duration > start))
        .sort((a, b) => a.start - b.start)
        .map((s) => ({ ...s }));
      if (entries.length === 0) return json(res, 404, { status: 'error', error: 'no recording segments found' });
      // on_list.go: the first entry is cut at start, the last at end.
      const first = entries[0]!;
      if (start !== null && first.start < start) {
        first.duration -= start - first.start;
        first.start = start;
      }
      const last = entries[entries.length - 1]!;
      if (end !== null && last.start + last.duration > end) last.duration = end - last.start;
      return json(
        res,
        200,
        entries.map((e) => {
          const v = new URLSearchParams({
            path: pathName,
            start: formatRfc3339Nano(new Date(e.start)),
            duration: String(e.duration / 1000),
          });
          return {
            start: formatRfc3339Nano(new Date(e.start)),
            duration: e.duration / 1000,
            url: `http://${req.headers.host}/get?${v.toString()}`,
          };
        }),
      );
    }
    const start = parse('start');
    const duration = Number(url.searchParams.get('duration'));
    if (start === null || Number.isNaN(start)) return json(res, 400, { status: 'error', error: 'invalid start' });
    if (!Number.isFinite(duration)) return json(res, 400, { status: 'error', error: 'invalid duration' });
    const format = url.searchParams.get('format') ?? '';
    if (!['', 'fmp4', 'mp4'].includes(format))
      return json(res, 400, { status: 'error', error: `invalid format: ${format}` });
    if (!segs.some((s) => s.start <= start && start < s.start + s.duration))
      return json(res, 404, { status: 'error', error: 'no recording segments found' });
    const data = await fs.promises.readFile(path.join(media.dir, 'clip.mp4'));
    res.writeHead(200, { 'access-control-allow-origin': '*', 'accept-ranges': 'none', 'content-type': 'video/mp4' });
    res.end(data);
  });

  const standin: MediaMtxStandin = {
    authHttpAddress: options.authHttpAddress,
    hlsUrl: hls.url,
    webrtcUrl: webrtc.url,
    webrtcUdpBlocked: false,
    apiUrl: api.url,
    playbackUrl: playback.url,
    authCalls,
    sessions,
    webrtcSessions,
    kicks,
    livePaths,
    recordings,
    async stop() {
      for (const s of [...webrtcSessions.values()]) closeWebrtc(s);
      if (feed) {
        feed.proc.kill();
        feed.sock.close();
        feed = null;
      }
      for (const s of [hls.server, webrtc.server, api.server, playback.server]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
  return standin;
}
