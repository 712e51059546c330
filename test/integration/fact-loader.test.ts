// The access engine's one-statement loader reads exactly what the query-builder reads (loadDeviceFacts), on both
// databases, for every kind of grant; and on SQLite it never reads rows of a transaction that has not committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { signUp } from '../helpers/people.ts';
import { factLoader } from '../../src/persistence/repositories/fact-loader.ts';
import { loadDeviceFacts, loadPrincipal } from '../../src/persistence/repositories/grants.ts';
import { transact } from '../../src/services/context.ts';

describeEachDatabase('access engine loader', (h) => {
  test('one statement reads the same facts and principal as the query builder', async () => {
    const rt = h().runtime;
    const loader = factLoader(rt.ctx.db, rt.database.sqlite);
    const owner = await signUp(h(), 'Owner');
    const friend = await signUp(h(), 'Friend');
    const tech = await signUp(h(), 'Tech');
    const dev = await seedDevice(rt, owner.id, 8);
    await seedShare(rt, dev.id, owner.id, friend.id, {
      channels: [2, 5],
      permissions: ['live_view', 'playback'],
      from: 1_000,
      until: 9_000_000_000_000,
    });
    await rt.ctx.db
      .updateTable('shares')
      .set({ schedule: JSON.stringify({ windows: [{ days: [1, 2], from: '08:00', to: '18:00' }] }) })
      .where('device_id', '=', dev.id)
      .execute();
    const org = await seedOrg(rt, [tech.id]);
    await seedAuthorization(rt, dev.id, org, owner.id, [
      { permission: 'live_view' },
      { permission: 'configuration', until: 5_000 },
    ]);
    const emptied = await seedOrg(rt, [friend.id]);
    await seedAuthorization(rt, dev.id, emptied, owner.id, []);
    const held = await seedDevice(rt, null, 1);
    await rt.ctx.db.updateTable('devices').set({ holder_org_id: org }).where('id', '=', held.id).execute();
    for (const id of [dev.id, held.id, 'dev_missing']) {
      const want = await loadDeviceFacts(rt.ctx.db, id);
      const got = await loader.facts(id);
      const norm = (f: typeof want) =>
        f && { ...f, grants: [...f.grants].sort((a, b) => a.sourceId.localeCompare(b.sourceId)) };
      assert.deepEqual(norm(got), norm(want), id);
    }
    assert.equal((await loader.facts(dev.id))!.grants.length, 3);
    assert.deepEqual(await loader.principal(friend.id), await loadPrincipal(rt.ctx.db, friend.id));
    assert.deepEqual(await loader.principal(tech.id), await loadPrincipal(rt.ctx.db, tech.id));
    assert.deepEqual((await loader.principal(tech.id)).orgIds, [org]);
  });

  test('a load while a transaction is open does not see its uncommitted rows', async () => {
    const rt = h().runtime;
    const loader = factLoader(rt.ctx.db, rt.database.sqlite);
    const owner = await signUp(h(), 'Owner 2');
    const friend = await signUp(h(), 'Friend 2');
    const dev = await seedDevice(rt, owner.id, 1);
    let during: Promise<unknown> | undefined;
    await assert.rejects(
      transact(rt.ctx, async (tx) => {
        await tx.db.updateTable('devices').set({ owner_account_id: friend.id }).where('id', '=', dev.id).execute();
        during = loader.facts(dev.id);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const seen = (await during) as { ownerAccountId: string };
    assert.equal(seen.ownerAccountId, owner.id);
  });
});
