// The access engine's one-statement loader reads exactly what the query-builder reads (loadDeviceFacts), on both
// databases, for every kind of grant; and on SQLite it never reads rows of a transaction that has not committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { signUp } from '../helpers/people.ts';
import { bulkLoader, factLoader } from '../../src/persistence/repositories/fact-loader.ts';
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
    // A manager made by the owner counts; a row left by an earlier owner of the device does not.
    const mia = await signUp(h(), 'Mia');
    const rows = [
      { id: 'mgr_current', manager_account_id: mia.id, owner_account_id: owner.id },
      { id: 'mgr_stale', manager_account_id: tech.id, owner_account_id: friend.id },
    ];
    await rt.ctx.db
      .insertInto('device_managers')
      .values(rows.map((r) => ({ ...r, device_id: dev.id, created_at: 1_000 })))
      .execute();
    const held = await seedDevice(rt, null, 1);
    await rt.ctx.db.updateTable('devices').set({ holder_org_id: org }).where('id', '=', held.id).execute();
    for (const id of [dev.id, held.id, 'dev_missing']) {
      const want = await loadDeviceFacts(rt.ctx.db, id);
      const got = await loader.facts(id);
      const norm = (f: typeof want) =>
        f && { ...f, grants: [...f.grants].sort((a, b) => a.sourceId.localeCompare(b.sourceId)) };
      assert.deepEqual(norm(got), norm(want), id);
    }
    const grants = (await loader.facts(dev.id))!.grants;
    assert.deepEqual(grants.map((g) => g.source).sort(), ['authorization', 'authorization', 'manager', 'share']);
    assert.deepEqual(
      grants.filter((g) => g.source === 'manager').map((g) => [g.sourceId, g.subject.id]),
      [['mgr_current', mia.id]],
    );
    // The whole-world load reads the same facts for the same device.
    let bulk: unknown;
    for await (const batch of bulkLoader(rt.ctx.db).devices()) bulk ??= batch.find((f) => f.deviceId === dev.id);
    const sorted = (f: unknown) => {
      const x = f as { grants: Array<{ sourceId: string }> };
      return { ...x, grants: [...x.grants].sort((a, b) => a.sourceId.localeCompare(b.sourceId)) };
    };
    assert.deepEqual(sorted(bulk), sorted(await loadDeviceFacts(rt.ctx.db, dev.id)));
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
