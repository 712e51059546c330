// Watching through MediaMTX (its stand-in, test/helpers/mediamtx-standin.ts, with MediaMTX's exact shapes):
// playback bounded by the grant at /mediamtx/auth, reader sessions learnt from auth calls and ended through the
// control API when the grant stops allowing, each cut an audit event.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { startMediaMtxStandin } from '../helpers/mediamtx-standin.ts';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';

const standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
const H = 3_600_000;

async function ticket(h: Harness, p: Person, body: RequestOf<'createStreamTicket'>): Promise<string> {
  return (await ok(api(h, p.token).POST('/api/stream-tickets', { body }), 201)).ticket;
}

function mediamtxAuth(h: Harness, body: RequestOf<'authorizeMediamtx'>) {
  return api(h).POST('/mediamtx/auth', { body });
}

/** Exactly what MediaMTX's playback server forwards for GET /get or /list (internal/playback/server.go doAuth). */
function playbackAuth(token: string, path: string, query: string) {
  return {
    ip: '192.0.2.7',
    user: '',
    password: '',
    token,
    action: 'playback',
    path,
    protocol: '',
    id: null,
    query,
    userAgent: 'Mozilla/5.0',
  };
}

async function openHls(path: string, token: string): Promise<{ status: number; playlist: string }> {
  const res = await fetch(`${standin.hlsUrl}/${path}/index.m3u8`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, playlist: await res.text() };
}

async function mediaPlaylist(path: string, index: string): Promise<number> {
  const variant = index.split('\n').find((l) => l.startsWith('main_stream.m3u8'))!;
  const res = await fetch(`${standin.hlsUrl}/${path}/${variant}`);
  await res.arrayBuffer();
  return res.status;
}

describeEachDatabase(
  'media sessions and playback bounded by the grant',
  (h) => {
    before(async () => {
      await h().runtime.app.listen({ port: 0, host: '127.0.0.1' });
      const a = h().runtime.app.server.address() as { port: number };
      standin.authHttpAddress = `http://127.0.0.1:${a.port}/mediamtx/auth`;
    });

    type World = Awaited<ReturnType<typeof world>>;
    async function world(opts: { until?: number } = {}) {
      const owner = await signUp(h(), 'Owner');
      const viewer = await signUp(h(), 'Viewer');
      const dev = await seedDevice(h().runtime, owner.id, 4);
      const shareId = await seedShare(h().runtime, dev.id, owner.id, viewer.id, {
        channels: [2],
        permissions: ['live_view', 'playback'],
        until: opts.until ?? null,
      });
      standin.livePaths.add(`${dev.id}/2`);
      return { owner, viewer, dev, shareId, path: `${dev.id}/2` };
    }

    async function sessionRow(id: string) {
      return h().runtime.ctx.db.selectFrom('media_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    }

    const onShare = (id: string) => ({ params: { path: { id } } });

    test('a playback request outside the share’s recordings is refused at /mediamtx/auth; inside it is allowed', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const day = Date.UTC(2026, 10, 22);
      await ok(
        api(h(), owner.token).PUT('/api/shares/{id}/recordings', {
          ...onShare(shareId),
          body: { recordings: { from: day + 10 * H, until: day + 12 * H } },
        }),
        200,
      );
      const windows = await ok(
        api(h(), viewer.token).GET('/api/devices/{id}/channels/{channel}/playback-windows', {
          params: { path: { id: dev.id, channel: 2 }, query: { from: day, until: day + 24 * H } },
        }),
        200,
      );
      assert.deepEqual(windows.windows, [{ from: day + 10 * H, until: day + 12 * H }]);
      const t = await ticket(h(), viewer, {
        deviceId: dev.id,
        channel: 2,
        permission: 'playback',
        from: day,
        until: day + 24 * H,
      });
      const q = (start: string, rest: string) =>
        `path=${encodeURIComponent(path)}&start=${encodeURIComponent(start)}&${rest}`;
      await ok(mediamtxAuth(h(), playbackAuth(t, path, q('2026-11-22T10:30:00.123456789Z', 'duration=60'))), 200);
      for (const query of [
        q('2026-11-22T09:30:00Z', 'duration=60'), // before
        q('2026-11-22T11:59:30Z', 'duration=1m0s'), // runs past the end
        q('2026-11-22T10:00:00Z', 'end=2026-11-22T13:00:00Z'), // a list reaching outside
        `path=${encodeURIComponent(path)}`, // a list of everything
      ])
        await problemOf(mediamtxAuth(h(), playbackAuth(t, path, query)), 403);
      // Through the stand-in's playback server, as a browser would ask.
      const list = await fetch(`${standin.playbackUrl}/list?${q('2026-11-22T10:00:00Z', 'end=2026-11-22T12:00:00Z')}`, {
        headers: { authorization: `Bearer ${t}` },
      });
      assert.equal(list.status, 404, 'allowed, and no recordings on this path yet');
      standin.recordings[path] = [{ start: new Date(day + 9 * H), duration: 4 * 3600 }];
      const listed = await fetch(
        `${standin.playbackUrl}/list?${q('2026-11-22T10:00:00Z', 'end=2026-11-22T12:00:00Z')}`,
        { headers: { authorization: `Bearer ${t}` } },
      );
      assert.equal(listed.status, 200);
      assert.deepEqual(
        ((await listed.json()) as Array<{ start: string; duration: number }>).map((e) => [e.start, e.duration]),
        [['2026-11-22T10:00:00Z', 7200]],
      );
      const outside = await fetch(`${standin.playbackUrl}/get?${q('2026-11-22T12:30:00Z', 'duration=30')}`, {
        headers: { authorization: `Bearer ${t}` },
      });
      assert.equal(outside.status, 401);
      assert.deepEqual(await outside.json(), { status: 'error', error: 'authentication error' });
      const got = await fetch(`${standin.playbackUrl}/get?${q('2026-11-22T11:00:00Z', 'duration=30')}`, {
        headers: { authorization: `Bearer ${t}` },
      });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'video/mp4');
      await got.arrayBuffer();
    });

    test('the verified-ticket cache is keyed by the whole ticket: a forged payload with a remembered signature is refused', async () => {
      const { viewer, dev, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      const body = (token: string, p: string): RequestOf<'authorizeMediamtx'> => ({
        ip: '192.0.2.7',
        user: '',
        password: '',
        token,
        action: 'read',
        path: p,
        protocol: 'webrtc',
        id: null,
        query: '',
        userAgent: 'x',
      });
      assert.equal(await statusOf(mediamtxAuth(h(), body(t, path))), 200);
      const [header, payload, signature] = t.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.mediamtx_permissions = [{ action: 'read', path: `${dev.id}/3` }];
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      await problemOf(mediamtxAuth(h(), body(forged, `${dev.id}/3`)), 403);
    });

    test('without an owner’s choice a share opens what was recorded since it began; outsiders learn nothing', async () => {
      const { owner, viewer, dev, shareId } = await world();
      const began = h().clock.now();
      h().clock.advance(2 * H);
      const windows = (who: Person, from: number, until: number) =>
        api(h(), who.token).GET('/api/devices/{id}/channels/{channel}/playback-windows', {
          params: { path: { id: dev.id, channel: 2 }, query: { from, until } },
        });
      const res = await ok(windows(viewer, began - 24 * H, began + 24 * H), 200);
      assert.deepEqual(res.windows, [{ from: began, until: began + 2 * H }]);
      const stranger = await signUp(h(), 'Stranger');
      await problemOf(windows(stranger, began, began + H), 404);
      for (const who of [stranger, viewer]) {
        const as = api(h(), who.token);
        await problemOf(as.GET('/api/shares/{id}/recordings', onShare(shareId)), 404);
        await problemOf(
          as.PUT('/api/shares/{id}/recordings', {
            ...onShare(shareId),
            body: { recordings: { from: 0, until: null } },
          }),
          404,
        );
      }
      const mine = await ok(api(h(), owner.token).GET('/api/shares/{id}/recordings', onShare(shareId)), 200);
      assert.deepEqual(mine, { recordings: null });
    });

    test('revoking the share ends the playing HLS session through the control API, with an audit event', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      const opened = await openHls(path, t);
      assert.equal(opened.status, 200, opened.playlist);
      const call = standin.authCalls.at(-1)!;
      assert.equal(call.body.protocol, 'hls');
      const id = call.body.id!;
      assert.equal(await mediaPlaylist(path, opened.playlist), 200);
      // Another channel is refused at the start.
      assert.equal((await openHls(`${dev.id}/3`, t)).status, 401);
      await ok(api(h(), owner.token).DELETE('/api/shares/{id}', onShare(shareId)), 200);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id), 'kicked through /v3/hlssessions/kick/{id}');
      assert.equal(await mediaPlaylist(path, opened.playlist), 401);
      // The ticket's signature is remembered (it was verified for the session), its grant is not: refused at once.
      const again = mediamtxAuth(h(), {
        ...call.body,
        id: '7d1f0c8e-0000-4000-8000-000000000001',
      });
      await problemOf(again, 403);
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'stream.ended')
        .where('object_id', '=', id)
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(JSON.parse(audit[0]!.after!).message, 'stream ended: access revoked');
      // The control API call was authenticated by Keyholder as its own (action api).
      assert.ok(standin.authCalls.some((c) => c.body.action === 'api' && c.status === 200));
    });

    test('narrowing the share and unbinding the device end the streams they no longer allow', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      await ok(
        api(h(), owner.token).PATCH('/api/shares/{id}', {
          ...onShare(shareId),
          body: { scope: 'channels', channels: [3], permissions: ['live_view'] },
        }),
        200,
      );
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id));
      assert.equal((await sessionRow(id)).end_reason, 'access narrowed');
      // Channel 3 now plays; unbinding the device ends that too.
      standin.livePaths.add(`${dev.id}/3`);
      const t3 = await ticket(h(), viewer, { deviceId: dev.id, channel: 3, permission: 'live_view' });
      assert.equal((await openHls(`${dev.id}/3`, t3)).status, 200);
      const id3 = standin.authCalls.at(-1)!.body.id!;
      await ok(api(h(), owner.token).DELETE('/api/devices/{id}', { params: { path: { id: dev.id } } }), 200);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id3));
    });

    test('a viewer who already left: the revocation records no cut (nothing was playing)', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      standin.sessions.delete(id); // MediaMTX closed the idle session; it does not tell Keyholder
      await ok(api(h(), owner.token).DELETE('/api/shares/{id}', onShare(shareId)), 200);
      await h().runtime.media.idle();
      assert.equal((await sessionRow(id)).end_reason, 'closed');
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('action')
        .where('object_id', '=', id)
        .execute();
      assert.deepEqual(audit, []);
    });

    // A grant that ends by the clock, with no request at all: the session knows its end, and the timer cuts it there.
    const timedEnds: Array<{
      title: string;
      /** Sets the world up; answers when the session's grant ends. */
      arrange: () => Promise<{ viewer: Person; dev: { id: string }; path: string; until: number }>;
      endReason: string;
    }> = [
      {
        title: 'a share that expires with no request at all: the timer ends the session at its end',
        arrange: async () => {
          const until = h().clock.now() + H;
          return { ...(await world({ until })), until };
        },
        endReason: 'access expired',
      },
      {
        title: 'the end of a schedule window ends the session (weekly schedule, no request)',
        arrange: async () => {
          const w = await world();
          // Every day 08:00-10:00 UTC; the clock is 09:00.
          const schedule = JSON.stringify({
            windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '08:00', to: '10:00' }],
          });
          await h().runtime.ctx.db.updateTable('shares').set({ schedule }).where('id', '=', w.shareId).execute();
          h().runtime.ctx.publishChanges([{ type: 'device', deviceId: w.dev.id }]);
          h().clock.set(Date.UTC(2026, 11, 1, 9, 0));
          return { ...w, until: Date.UTC(2026, 11, 1, 10, 0) };
        },
        endReason: 'schedule window ended',
      },
    ];
    for (const c of timedEnds) {
      test(c.title, async () => {
        const { viewer, dev, path, until } = await c.arrange();
        const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
        assert.equal((await openHls(path, t)).status, 200);
        const id = standin.authCalls.at(-1)!.body.id!;
        assert.equal(Number((await sessionRow(id)).until), until, 'the session knows when its grant ends');
        await h().runtime.media.runDue();
        assert.ok(!standin.kicks.includes(id), 'not before the end');
        h().clock.set(until);
        await h().runtime.media.runDue();
        assert.ok(standin.kicks.includes(id));
        assert.equal((await sessionRow(id)).end_reason, c.endReason);
      });
    }

    // Something the viewer or the owner does (not the share itself) ends the stream it opened, with its reason.
    const endedBy: Array<{
      title: string;
      /** Whose ticket opens the stream (made in the world if needed), and what then ends it. */
      arrange: (w: World) => Promise<{ watcher: Person; end: () => Promise<unknown> }>;
      /** The audit event's message, when the cut is recorded as one. */
      message?: string;
    }> = [
      {
        title: 'ending the login session that asked for the ticket ends the stream',
        arrange: async ({ viewer }) => ({
          watcher: viewer,
          end: async () => {
            const as = api(h(), viewer.token);
            const current = (await ok(as.GET('/api/me/sessions'), 200)).find((s) => s.current)!;
            await ok(as.DELETE('/api/me/sessions/{id}', { params: { path: { id: current.id } } }), 200);
          },
        }),
      },
      {
        title: 'withdrawing an installer’s live view ends the stream it opened (“access withdrawn”)',
        arrange: async ({ owner, dev }) => {
          const installer = await signUp(h(), 'Installer');
          const orgId = await seedOrg(h().runtime, [installer.id]);
          await seedAuthorization(h().runtime, dev.id, orgId, owner.id, [{ permission: 'live_view' }]);
          return {
            watcher: installer,
            end: () =>
              ok(
                api(h(), owner.token).DELETE('/api/devices/{id}/authorizations/{orgId}/permissions/{permission}', {
                  params: { path: { id: dev.id, orgId, permission: 'live_view' } },
                }),
                200,
              ),
          };
        },
        message: 'stream ended: access withdrawn',
      },
      {
        title: 'logging out everywhere ends the streams opened with my tickets (“signed out”)',
        arrange: async ({ viewer }) => ({
          watcher: viewer,
          end: () => ok(api(h(), viewer.token).POST('/api/me/sessions/end-all'), 200),
        }),
        message: 'stream ended: signed out',
      },
    ];
    for (const c of endedBy) {
      test(c.title, async () => {
        const w = await world();
        const { watcher, end } = await c.arrange(w);
        const t = await ticket(h(), watcher, { deviceId: w.dev.id, channel: 2, permission: 'live_view' });
        assert.equal((await openHls(w.path, t)).status, 200);
        const id = standin.authCalls.at(-1)!.body.id!;
        await end();
        await h().runtime.media.idle();
        assert.ok(standin.kicks.includes(id));
        if (c.message) {
          const audit = await h()
            .runtime.ctx.db.selectFrom('audit_events')
            .select('after')
            .where('action', '=', 'stream.ended')
            .where('object_id', '=', id)
            .execute();
          assert.equal(JSON.parse(audit[0]!.after!).message, c.message);
        }
      });
    }

    test('handing the device to a new owner ends the old owner’s and the recipients’ streams', async () => {
      const { owner, viewer, dev, path } = await world();
      const buyer = await signUp(h(), 'Buyer');
      const mine = await ticket(h(), owner, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, mine)).status, 200);
      const ownerSession = standin.authCalls.at(-1)!.body.id!;
      const theirs = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, theirs)).status, 200);
      const viewerSession = standin.authCalls.at(-1)!.body.id!;
      const start = await ok(
        api(h(), owner.token).POST('/api/devices/{id}/transfer', {
          params: { path: { id: dev.id } },
          body: { to: buyer.email },
        }),
        201,
      );
      await h().runtime.media.idle();
      assert.ok(!standin.kicks.includes(ownerSession), 'nothing ends while the transfer is only offered');
      await ok(api(h(), buyer.token).POST('/api/transfers/{id}/accept', { params: { path: { id: start.id } } }), 200);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(ownerSession), 'the old owner’s stream ended');
      assert.ok(standin.kicks.includes(viewerSession), 'the old share’s stream ended');
    });

    test('WebRTC (WHEP): MediaMTX’s auth body for protocol webrtc, the session tracked and kicked at /v3/webrtcsessions/kick/<id>', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      // The Live screen is told to play over WebRTC, and where.
      const media = await ok(
        api(h(), viewer.token).GET('/api/devices/{id}/media', { params: { path: { id: dev.id } } }),
        200,
      );
      const server = media.server;
      assert.deepEqual(
        { configured: server.configured, protocol: server.protocol, webrtcUrl: server.webrtcUrl },
        { configured: true, protocol: 'webrtc', webrtcUrl: standin.webrtcUrl },
      );
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      // A real WebRTC reader (werift), as a browser would be: recvonly video, the offer POSTed to <path>/whep.
      const { RTCPeerConnection } = await import('werift');
      const pc = new RTCPeerConnection({ iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceUseIpv6: false });
      try {
        const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
        let packets = 0;
        transceiver.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => (packets += 1)));
        await pc.setLocalDescription(await pc.createOffer());
        const whep = (p: string, token: string, contentType = 'application/sdp') =>
          fetch(`${standin.webrtcUrl}/${p}/whep`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'user-agent': 'whep-test' },
            body: pc.localDescription!.sdp,
          });
        assert.equal((await whep(path, t, 'text/plain')).status, 400, 'only application/sdp, like MediaMTX');
        // Another channel: refused at auth, MediaMTX's answer.
        const other = await whep(`${dev.id}/3`, t);
        assert.equal(other.status, 401);
        assert.deepEqual(await other.json(), { status: 'error', error: 'authentication error' });
        const res = await whep(path, t);
        assert.equal(res.status, 201, await res.clone().text());
        assert.equal(res.headers.get('content-type'), 'application/sdp');
        const id = res.headers.get('id')!;
        assert.match(res.headers.get('location')!, new RegExp(`^/${path}/whep/[0-9a-f-]{36}$`));
        const call = standin.authCalls.at(-1)!;
        assert.deepEqual(call.body, {
          ip: '127.0.0.1',
          user: '',
          password: '',
          token: t,
          action: 'read',
          path,
          protocol: 'webrtc',
          id,
          query: '',
          userAgent: 'whep-test',
        });
        assert.equal(call.status, 200);
        await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
        const deadline = Date.now() + 15_000;
        while (packets < 20) {
          assert.ok(Date.now() < deadline, `video RTP arrives over WebRTC (${packets} packets)`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const tracked = await h()
          .runtime.ctx.db.selectFrom('media_sessions')
          .select(['protocol', 'path', 'ended_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(tracked, { protocol: 'webrtc', path, ended_at: null });
        // The control API lists it as MediaMTX does (defs.APIWebRTCSession).
        const control = { authorization: `Bearer ${t}` };
        const listed = await fetch(`${standin.apiUrl}/v3/webrtcsessions/list`, { headers: control });
        assert.equal(listed.status, 401, 'a viewer’s ticket is no control-API credential');

        await ok(api(h(), owner.token).DELETE('/api/shares/{id}', onShare(shareId)), 200);
        await h().runtime.media.idle();
        assert.ok(standin.kicks.includes(id), 'kicked');
        assert.equal(standin.webrtcSessions.has(id), false, 'through /v3/webrtcsessions/kick/<id>');
        const before = packets;
        await new Promise((r) => setTimeout(r, 600));
        assert.ok(packets - before <= 2, `no more video after the kick (${packets - before} packets)`);
        const audit = await h()
          .runtime.ctx.db.selectFrom('audit_events')
          .select('after')
          .where('action', '=', 'stream.ended')
          .where('object_id', '=', id)
          .execute();
        assert.equal(audit.length, 1);
        assert.equal(JSON.parse(audit[0]!.after!).message, 'stream ended: access revoked');
      } finally {
        await pc.close();
      }
    });

    test('WebRTC: MediaMTX’s exact auth body for a WHEP read is tracked; kicking a vanished session is not a cut', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      // internal/servers/webrtc/session.go runRead: Proto webrtc, ID the session UUID, Query the raw query.
      const id = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
      const body: RequestOf<'authorizeMediamtx'> = {
        ip: '192.0.2.9',
        user: '',
        password: '',
        token: t,
        action: 'read',
        path,
        protocol: 'webrtc',
        id,
        query: '',
        userAgent: 'Mozilla/5.0',
      };
      await ok(mediamtxAuth(h(), body), 200);
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .select(['protocol', 'device_id', 'channel'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { protocol: 'webrtc', device_id: dev.id, channel: 2 });
      // The stand-in never opened it (the viewer left already): the kick's 404 closes it with no audit event.
      await ok(api(h(), owner.token).DELETE('/api/shares/{id}', onShare(shareId)), 200);
      await h().runtime.media.idle();
      assert.ok(!standin.kicks.includes(id));
      const ended = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .select('ended_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.notEqual(ended.ended_at, null);
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'stream.ended')
        .where('object_id', '=', id)
        .execute();
      assert.equal(audit.length, 0);
      // After the revocation the same body is refused at once.
      await problemOf(mediamtxAuth(h(), body), 403);
    });
  },
  { MEDIAMTX_API_URL: standin.apiUrl, MEDIA_WEBRTC_URL: standin.webrtcUrl, MEDIA_PROTOCOL: 'webrtc' },
);

after(() => standin.stop());
