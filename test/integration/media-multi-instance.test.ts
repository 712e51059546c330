// Two Keyholder instances on one PostgreSQL behind one MediaMTX (its stand-in): a session opened through one
// is ended when access changes on the other, or in a process that is neither (the CLI), exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.ts';
import { insertAccount, startTwoInstances, twoInstancesSkip, type TwoInstances } from '../helpers/two-instances.ts';
import { announcerFor } from '../../src/services/change-bus.ts';
import { endShare } from '../../src/services/sharing.ts';
import { issueStreamTicket } from '../../src/services/stream-tickets.ts';
import { seedDevice, seedShare } from '../helpers/access-world.ts';
import { startMediaMtxStandin, type MediaMtxStandin } from '../helpers/mediamtx-standin.ts';

async function eventually(what: string, fn: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never happened: ${what}`);
}

describe('media sessions across two instances on one PostgreSQL', { skip: twoInstancesSkip }, () => {
  let pair: TwoInstances | undefined;
  let one: Runtime;
  let two: Runtime;
  let standin: MediaMtxStandin;

  before(async () => {
    standin = await startMediaMtxStandin({ authHttpAddress: 'http://127.0.0.1:9/unset' });
    pair = await startTwoInstances({ MEDIAMTX_API_URL: standin.apiUrl });
    ({ one, two } = pair);
    await one.app.listen({ port: 0, host: '127.0.0.1' });
    // MediaMTX talks to instance one only; instance two never hears an auth call.
    standin.authHttpAddress = `http://127.0.0.1:${(one.app.server.address() as { port: number }).port}/mediamtx/auth`;
  });

  after(async () => {
    await pair?.stop();
    await standin?.stop();
  });

  const account = (name: string) => insertAccount(one, name, pair!.clock);

  async function playing() {
    const owner = await account('Owner');
    const viewer = await account('Viewer');
    const dev = await seedDevice(one, owner, 4);
    const shareId = await seedShare(one, dev.id, owner, viewer, { channels: [2], permissions: ['live_view'] });
    const path = `${dev.id}/2`;
    standin.livePaths.add(path);
    const { ticket } = await issueStreamTicket(one.ctx, viewer, {
      deviceId: dev.id,
      channel: 2,
      permission: 'live_view',
    });
    const res = await fetch(`${standin.hlsUrl}/${path}/index.m3u8`, { headers: { authorization: `Bearer ${ticket}` } });
    assert.equal(res.status, 200, await res.text());
    const id = standin.authCalls.at(-1)!.body.id!;
    return { owner, viewer, dev, shareId, id };
  }

  async function stopCount(id: string): Promise<number> {
    const rows = await one.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'stream.ended')
      .where('object_id', '=', id)
      .execute();
    return rows.length;
  }

  test('revoked on instance two: the session opened through instance one is ended, once', async () => {
    const { owner, shareId, id } = await playing();
    // The owner's revocation lands on the other instance.
    await endShare(two.ctx, owner, shareId);
    await eventually('kicked', () => standin.kicks.includes(id));
    await one.media.idle();
    await two.media.idle();
    assert.equal(await stopCount(id), 1, 'one audit event, though both instances heard the change');
    assert.equal(standin.kicks.filter((k) => k === id).length, 1);
  });

  test('a change committed by neither instance (the CLI on PostgreSQL) still ends the stream', async () => {
    const { dev, shareId, id } = await playing();
    const announce = await announcerFor(one.ctx.db, one.ctx.config.accessLeaseMs);
    await one.ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('shares').where('id', '=', shareId).execute();
      await announce(trx, [{ type: 'device', deviceId: dev.id }]);
    });
    await eventually('kicked after a change from elsewhere', () => standin.kicks.includes(id));
    await one.media.idle();
    await two.media.idle();
    assert.equal(await stopCount(id), 1);
  });
});
