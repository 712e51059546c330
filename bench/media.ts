// Revocation reaching the playing stream, timed: the real app (SQLite, real clock) behind the MediaMTX stand-in
// (test/helpers/mediamtx-standin.ts: MediaMTX's auth call, HLS sessions and control-API kick). Each round opens
// an HLS session with a ticket, then ends the grant; the figure is the time from the revoking request's answer
// (or from the grant's end, for expiry) to the stand-in receiving the kick for that session.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createRuntime } from '../src/runtime.ts';
import { newId } from '../src/lib/ids.ts';
import { transact } from '../src/services/context.ts';
import { issueStreamTicket } from '../src/services/stream-tickets.ts';
import { startMediaMtxStandin } from '../test/helpers/mediamtx-standin.ts';
import { seedBenchDevice } from './seed.ts';

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function benchCuts(quick: boolean) {
  console.log('\n== Streams cut when access ends (SQLite, real clock, MediaMTX stand-in over loopback)');
  const standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-bench-media-'));
  const rt = await createRuntime(
    loadConfig({
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      KEYHOLDER_DEMO: '0',
      SCRYPT_COST: '1024',
      COOKIE_SECURE: 'false',
      MEDIAMTX_API_URL: standin.apiUrl,
    }),
  );
  try {
    await rt.app.listen({ port: 0, host: '127.0.0.1' });
    standin.authHttpAddress = `http://127.0.0.1:${(rt.app.server.address() as { port: number }).port}/mediamtx/auth`;
    const register = async (name: string) => {
      const email = `${name}.${Math.random().toString(36).slice(2)}@example.com`;
      await rt.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password: 'benchmark password', displayName: name },
      });
      const login = await rt.app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        payload: { login: email, password: 'benchmark password' },
      });
      return login.json() as { token: string; account: { id: string } };
    };
    const owner = await register('owner');
    const viewer = await register('viewer');
    const deviceId = await seedBenchDevice(rt, owner.account.id, 4);
    standin.livePaths.add(`${deviceId}/2`);

    const kicked = new Map<string, (at: number) => void>();
    const kicksBefore = standin.kicks.length;
    // The moment the stand-in received the kick (its handler pushes to `kicks`).
    const poll = setInterval(() => {
      for (const id of standin.kicks.splice(kicksBefore)) kicked.get(id)?.(performance.now());
    }, 1);

    const share = async (until: number | null) => {
      const id = newId('shr');
      await transact(rt.ctx, async (tx) => {
        await tx.db
          .insertInto('shares')
          .values({
            id,
            device_id: deviceId,
            owner_account_id: owner.account.id,
            recipient_account_id: viewer.account.id,
            scope: 'channels',
            channels: '[2]',
            permissions: '["live_view"]',
            valid_from: null,
            valid_until: until,
            schedule: null,
            time_zone: 'UTC',
            created_at: tx.now,
            updated_at: tx.now,
          })
          .execute();
        tx.changed({ type: 'device', deviceId });
      });
      return id;
    };
    const open = async (): Promise<{ id: string; ended: Promise<number> }> => {
      const t = await issueStreamTicket(rt.ctx, viewer.account.id, { deviceId, channel: 2, permission: 'live_view' });
      const res = await fetch(`${standin.hlsUrl}/${t.path}/index.m3u8`, {
        headers: { authorization: `Bearer ${t.ticket}` },
      });
      if (res.status !== 200) throw new Error(`HLS open failed: ${res.status}`);
      await res.text();
      const id = standin.authCalls.at(-1)!.body.id!;
      return { id, ended: new Promise((resolve) => kicked.set(id, resolve)) };
    };

    const revocations = quick ? 30 : 100;
    const revokeMs: number[] = [];
    for (let i = 0; i < revocations; i++) {
      const shareId = await share(null);
      const s = await open();
      const res = await rt.app.inject({
        method: 'DELETE',
        url: `/api/shares/${shareId}`,
        headers: { authorization: `Bearer ${owner.token}` },
      });
      const answered = performance.now();
      if (res.statusCode !== 200) throw new Error(`revoke failed: ${res.statusCode} ${res.body}`);
      revokeMs.push((await s.ended) - answered);
    }
    console.log(
      `revoke → session ended: p50 ${fmt(pct(revokeMs, 0.5), 1)} ms, p99 ${fmt(pct(revokeMs, 0.99), 1)} ms, max ${fmt(Math.max(...revokeMs), 1)} ms over ${revocations} revocations (target p50 ≤ 1000 ms, p99 ≤ 2000 ms)`,
    );

    const expiries = quick ? 10 : 30;
    const expiryMs: number[] = [];
    for (let i = 0; i < expiries; i++) {
      const until = Date.now() + 1500;
      const shareId = await share(until);
      const s = await open();
      // Convert the wall-clock end into the performance timeline the kick is stamped in.
      const endsAt = performance.now() + (until - Date.now());
      expiryMs.push((await s.ended) - endsAt);
      await rt.ctx.db.deleteFrom('shares').where('id', '=', shareId).execute();
    }
    console.log(
      `grant end (no request) → session ended: p50 ${fmt(pct(expiryMs, 0.5), 1)} ms, p99 ${fmt(pct(expiryMs, 0.99), 1)} ms over ${expiries} expiries (one timer for the earliest end)`,
    );
    clearInterval(poll);
    return {
      revocations,
      revokeP50ms: pct(revokeMs, 0.5),
      revokeP99ms: pct(revokeMs, 0.99),
      expiries,
      expiryP50ms: pct(expiryMs, 0.5),
      expiryP99ms: pct(expiryMs, 0.99),
    };
  } finally {
    await rt.close();
    await standin.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
