// Watching through MediaMTX (its stand-in, test/helpers/mediamtx-standin.ts, with MediaMTX's exact shapes):
// playback bounded by the grant at /mediamtx/auth, reader sessions learnt from auth calls and ended through the
// control API when the grant stops allowing, each cut an audit event.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { startMediaMtxStandin } from '../helpers/mediamtx-standin.ts';

const standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
const H = 3_600_000;

async function ticket(h: Harness, p: Person, body: object): Promise<string> {
  const res = await h.request({ method: 'POST', url: '/api/stream-tickets', token: p.token, body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().ticket as string;
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

    test('a playback request outside the share’s recordings is refused at /mediamtx/auth; inside it is allowed', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const day = Date.UTC(2026, 10, 22);
      const set = await h().request({
        method: 'PUT',
        url: `/api/shares/${shareId}/recordings`,
        token: owner.token,
        body: { recordings: { from: day + 10 * H, until: day + 12 * H } },
      });
      assert.equal(set.statusCode, 200, set.body);
      const windows = await h().request({
        method: 'GET',
        url: `/api/devices/${dev.id}/channels/2/playback-windows?from=${day}&until=${day + 24 * H}`,
        token: viewer.token,
      });
      assert.equal(windows.statusCode, 200, windows.body);
      assert.deepEqual(windows.json().windows, [{ from: day + 10 * H, until: day + 12 * H }]);
      const t = await ticket(h(), viewer, {
        deviceId: dev.id,
        channel: 2,
        permission: 'playback',
        from: day,
        until: day + 24 * H,
      });
      const q = (start: string, rest: string) =>
        `path=${encodeURIComponent(path)}&start=${encodeURIComponent(start)}&${rest}`;
      const inside = await h().request({
        method: 'POST',
        url: '/mediamtx/auth',
        body: playbackAuth(t, path, q('2026-11-22T10:30:00.123456789Z', 'duration=60')),
      });
      assert.equal(inside.statusCode, 200, inside.body);
      for (const query of [
        q('2026-11-22T09:30:00Z', 'duration=60'), // before
        q('2026-11-22T11:59:30Z', 'duration=1m0s'), // runs past the end
        q('2026-11-22T10:00:00Z', 'end=2026-11-22T13:00:00Z'), // a list reaching outside
        `path=${encodeURIComponent(path)}`, // a list of everything
      ]) {
        const res = await h().request({ method: 'POST', url: '/mediamtx/auth', body: playbackAuth(t, path, query) });
        assertProblem(res, 403);
      }
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
      const body = (token: string, p: string) => ({
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
      assert.equal((await h().request({ method: 'POST', url: '/mediamtx/auth', body: body(t, path) })).statusCode, 200);
      const [header, payload, signature] = t.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.mediamtx_permissions = [{ action: 'read', path: `${dev.id}/3` }];
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      assertProblem(
        await h().request({ method: 'POST', url: '/mediamtx/auth', body: body(forged, `${dev.id}/3`) }),
        403,
      );
    });

    test('without an owner’s choice a share opens what was recorded since it began; outsiders learn nothing', async () => {
      const { owner, viewer, dev, shareId } = await world();
      const began = h().clock.now();
      h().clock.advance(2 * H);
      const res = await h().request({
        method: 'GET',
        url: `/api/devices/${dev.id}/channels/2/playback-windows?from=${began - 24 * H}&until=${began + 24 * H}`,
        token: viewer.token,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().windows, [{ from: began, until: began + 2 * H }]);
      const stranger = await signUp(h(), 'Stranger');
      assertProblem(
        await h().request({
          method: 'GET',
          url: `/api/devices/${dev.id}/channels/2/playback-windows?from=${began}&until=${began + H}`,
          token: stranger.token,
        }),
        404,
      );
      for (const who of [stranger, viewer]) {
        assertProblem(
          await h().request({ method: 'GET', url: `/api/shares/${shareId}/recordings`, token: who.token }),
          404,
        );
        assertProblem(
          await h().request({
            method: 'PUT',
            url: `/api/shares/${shareId}/recordings`,
            token: who.token,
            body: { recordings: { from: 0, until: null } },
          }),
          404,
        );
      }
      const mine = await h().request({ method: 'GET', url: `/api/shares/${shareId}/recordings`, token: owner.token });
      assert.deepEqual(mine.json(), { recordings: null });
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
      const revoke = await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
      assert.equal(revoke.statusCode, 200, revoke.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id), 'kicked through /v3/hlssessions/kick/{id}');
      assert.equal(await mediaPlaylist(path, opened.playlist), 401);
      // The ticket's signature is remembered (it was verified for the session), its grant is not: refused at once.
      const again = await h().request({
        method: 'POST',
        url: '/mediamtx/auth',
        body: { ...call.body, id: '7d1f0c8e-0000-4000-8000-000000000001' },
      });
      assertProblem(again, 403);
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
      const narrow = await h().request({
        method: 'PATCH',
        url: `/api/shares/${shareId}`,
        token: owner.token,
        body: { scope: 'channels', channels: [3], permissions: ['live_view'] },
      });
      assert.equal(narrow.statusCode, 200, narrow.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id));
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(row!.end_reason, 'access narrowed');
      // Channel 3 now plays; unbinding the device ends that too.
      standin.livePaths.add(`${dev.id}/3`);
      const t3 = await ticket(h(), viewer, { deviceId: dev.id, channel: 3, permission: 'live_view' });
      assert.equal((await openHls(`${dev.id}/3`, t3)).status, 200);
      const id3 = standin.authCalls.at(-1)!.body.id!;
      const unbind = await h().request({ method: 'DELETE', url: `/api/devices/${dev.id}`, token: owner.token });
      assert.equal(unbind.statusCode, 200, unbind.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id3));
    });

    test('a viewer who already left: the revocation records no cut (nothing was playing)', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      standin.sessions.delete(id); // MediaMTX closed the idle session; it does not tell Keyholder
      await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
      await h().runtime.media.idle();
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(row!.end_reason, 'closed');
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('action')
        .where('object_id', '=', id)
        .execute();
      assert.deepEqual(audit, []);
    });

    test('a share that expires with no request at all: the timer ends the session at its end', async () => {
      const until = h().clock.now() + H;
      const { viewer, dev, path } = await world({ until });
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      const opened = await openHls(path, t);
      assert.equal(opened.status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(Number(row!.until), until, 'the session knows when its grant ends');
      await h().runtime.media.runDue();
      assert.ok(!standin.kicks.includes(id), 'not before the end');
      h().clock.set(until);
      await h().runtime.media.runDue();
      assert.ok(standin.kicks.includes(id));
      const ended = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(ended!.end_reason, 'access expired');
    });

    test('the end of a schedule window ends the session (weekly schedule, no request)', async () => {
      const { viewer, dev, shareId, path } = await world();
      // Every day 08:00-10:00 UTC; the clock is 09:00.
      const schedule = JSON.stringify({ windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '08:00', to: '10:00' }] });
      await h().runtime.ctx.db.updateTable('shares').set({ schedule }).where('id', '=', shareId).execute();
      h().runtime.ctx.publishChanges([{ type: 'device', deviceId: dev.id }]);
      h().clock.set(Date.UTC(2026, 11, 1, 9, 0));
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(Number(row!.until), Date.UTC(2026, 11, 1, 10, 0));
      h().clock.set(Date.UTC(2026, 11, 1, 10, 0));
      await h().runtime.media.runDue();
      assert.ok(standin.kicks.includes(id));
      const ended = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(ended!.end_reason, 'schedule window ended');
    });

    test('ending the login session that asked for the ticket ends the stream', async () => {
      const { viewer, dev, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      const sessions = await h().request({ method: 'GET', url: '/api/me/sessions', token: viewer.token });
      const current = (sessions.json() as Array<{ id: string; current: boolean }>).find((s) => s.current)!;
      const end = await h().request({ method: 'DELETE', url: `/api/me/sessions/${current.id}`, token: viewer.token });
      assert.equal(end.statusCode, 200, end.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id));
    });

    test('withdrawing an installer’s live view ends the stream it opened (“access withdrawn”)', async () => {
      const { owner, dev, path } = await world();
      const installer = await signUp(h(), 'Installer');
      const orgId = await seedOrg(h().runtime, [installer.id]);
      await seedAuthorization(h().runtime, dev.id, orgId, owner.id, [{ permission: 'live_view' }]);
      const t = await ticket(h(), installer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      const withdraw = await h().request({
        method: 'DELETE',
        url: `/api/devices/${dev.id}/authorizations/${orgId}/permissions/live_view`,
        token: owner.token,
      });
      assert.equal(withdraw.statusCode, 200, withdraw.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id));
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('after')
        .where('action', '=', 'stream.ended')
        .where('object_id', '=', id)
        .execute();
      assert.equal(JSON.parse(audit[0]!.after!).message, 'stream ended: access withdrawn');
    });

    test('logging out everywhere ends the streams opened with my tickets (“signed out”)', async () => {
      const { viewer, dev, path } = await world();
      const t = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, t)).status, 200);
      const id = standin.authCalls.at(-1)!.body.id!;
      const out = await h().request({ method: 'POST', url: '/api/me/sessions/end-all', token: viewer.token });
      assert.equal(out.statusCode, 200, out.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(id));
      const audit = await h()
        .runtime.ctx.db.selectFrom('audit_events')
        .select('after')
        .where('action', '=', 'stream.ended')
        .where('object_id', '=', id)
        .execute();
      assert.equal(JSON.parse(audit[0]!.after!).message, 'stream ended: signed out');
    });

    test('handing the device to a new owner ends the old owner’s and the recipients’ streams', async () => {
      const { owner, viewer, dev, path } = await world();
      const buyer = await signUp(h(), 'Buyer');
      const mine = await ticket(h(), owner, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, mine)).status, 200);
      const ownerSession = standin.authCalls.at(-1)!.body.id!;
      const theirs = await ticket(h(), viewer, { deviceId: dev.id, channel: 2, permission: 'live_view' });
      assert.equal((await openHls(path, theirs)).status, 200);
      const viewerSession = standin.authCalls.at(-1)!.body.id!;
      const start = await h().request({
        method: 'POST',
        url: `/api/devices/${dev.id}/transfer`,
        token: owner.token,
        body: { to: buyer.email },
      });
      assert.equal(start.statusCode, 201, start.body);
      await h().runtime.media.idle();
      assert.ok(!standin.kicks.includes(ownerSession), 'nothing ends while the transfer is only offered');
      const accept = await h().request({
        method: 'POST',
        url: `/api/transfers/${start.json().id}/accept`,
        token: buyer.token,
      });
      assert.equal(accept.statusCode, 200, accept.body);
      await h().runtime.media.idle();
      assert.ok(standin.kicks.includes(ownerSession), 'the old owner’s stream ended');
      assert.ok(standin.kicks.includes(viewerSession), 'the old share’s stream ended');
    });

    test('WebRTC (WHEP): MediaMTX’s auth body for protocol webrtc, the session tracked and kicked at /v3/webrtcsessions/kick/<id>', async () => {
      const { owner, viewer, dev, shareId, path } = await world();
      // The Live screen is told to play over WebRTC, and where.
      const media = await h().request({ method: 'GET', url: `/api/devices/${dev.id}/media`, token: viewer.token });
      assert.equal(media.statusCode, 200, media.body);
      const server = media.json().server;
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

        const revoke = await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
        assert.equal(revoke.statusCode, 200, revoke.body);
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
      const body = {
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
      const auth = await h().request({ method: 'POST', url: '/mediamtx/auth', body });
      assert.equal(auth.statusCode, 200, auth.body);
      const row = await h()
        .runtime.ctx.db.selectFrom('media_sessions')
        .select(['protocol', 'device_id', 'channel'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { protocol: 'webrtc', device_id: dev.id, channel: 2 });
      // The stand-in never opened it (the viewer left already): the kick's 404 closes it with no audit event.
      const revoke = await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: owner.token });
      assert.equal(revoke.statusCode, 200, revoke.body);
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
      assertProblem(await h().request({ method: 'POST', url: '/mediamtx/auth', body }), 403);
    });
  },
  { MEDIAMTX_API_URL: standin.apiUrl, MEDIA_WEBRTC_URL: standin.webrtcUrl, MEDIA_PROTOCOL: 'webrtc' },
);

after(() => standin.stop());
