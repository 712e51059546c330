// The Home list page by page: a stable order (my devices by name, then devices shared with me as shared), a
// cursor that walks it without gaps or repeats, filters and search; the whole list stays available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { operations } from '../../web/src/api/schema.d.ts';
import { api } from '../helpers/api.ts';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { seedBenchDevices, seedBenchShares } from '../../bench/seed.ts';
import { handleStatus } from '../../src/services/device-health.ts';

type Query = NonNullable<operations['listHomeDevices']['parameters']['query']>;

/** One page of Home as `token`'s holder sees it, and the next page's cursor. */
async function page(h: Harness, token: string, query: Query = {}) {
  const { data, response } = await api(h, token).GET('/api/devices', { params: { query } });
  assert.equal(response.status, 200);
  return { items: data!, next: response.headers.get('x-next-cursor') ?? undefined };
}

/** Every page, following the cursor. */
async function walk(h: Harness, token: string, query: Query) {
  const seen: Awaited<ReturnType<typeof page>>['items'] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const p = await page(h, token, { ...query, ...(cursor ? { cursor } : {}) });
    seen.push(...p.items);
    cursor = p.next;
    pages++;
  } while (cursor);
  return { seen, pages };
}

describeEachDatabase('home list pages', (h) => {
  test('pages walk the whole list in its order; filters and search narrow it', async () => {
    const me = await signUp(h(), 'Pager');
    const other = await signUp(h(), 'Sharer');
    const rt = h().runtime;
    const mine = await seedBenchDevices(rt, me.id, 120, 1, 'PG');
    const theirs = await seedBenchDevices(rt, other.id, 30, 4, 'PS');
    await seedBenchShares(rt, other.id, me.id, theirs);
    await rt.ctx.db.updateTable('devices').set({ name: 'Garage gate' }).where('id', '=', mine[7]!).execute();

    const get = (query: Query = {}) => page(h(), me.token, query);
    const whole = await get();
    assert.equal(whole.items.length, 150, 'without parameters: the whole list (export, older clients)');
    assert.equal(whole.next, undefined);

    const all = await walk(h(), me.token, { limit: 50 });
    assert.equal(all.pages, 3);
    assert.deepEqual(
      all.seen.map((d) => d.id),
      whole.items.map((d) => d.id),
      'same devices, same order, no gaps or repeats',
    );
    assert.deepEqual(
      (await get({ limit: 5 })).items.map((d) => d.access),
      Array(5).fill('owner'),
    );
    const firstPage = await get({ filter: 'owned' });
    assert.equal(firstPage.items.length, 50, 'default page size');

    const owned = await walk(h(), me.token, { filter: 'owned', limit: 40 });
    assert.equal(owned.seen.length, 120);
    assert.ok(owned.seen.every((d) => d.access === 'owner'));
    const shared = await walk(h(), me.token, { filter: 'shared', limit: 7 });
    assert.deepEqual(
      shared.seen.map((d) => d.id),
      whole.items.filter((d) => d.access === 'shared').map((d) => d.id),
    );

    assert.deepEqual(
      (await get({ q: 'GARAGE' })).items.map((d) => d.id),
      [mine[7]],
      'name, any case',
    );
    // Search by serial finds my devices; a recipient never sees a shared device's serial, nor finds it by it.
    const serial = whole.items.find((d) => d.access === 'owner')!.serial!;
    assert.deepEqual(
      (await get({ q: serial.toLowerCase() })).items.map((d) => d.serial),
      [serial],
      'serial',
    );
    assert.ok(whole.items.filter((d) => d.access === 'shared').every((d) => d.serial === null));
    assert.deepEqual((await get({ q: '%' })).items, [], 'wildcards are searched for literally');

    // devices.site_id names the site a device is on (installer sites); the filter needs no site row.
    await rt.ctx.db
      .updateTable('devices')
      .set({ site_id: 'site_home_test' })
      .where('id', 'in', [mine[1]!, theirs[2]!])
      .execute();
    assert.deepEqual(
      (await get({ site: 'site_home_test' })).items.map((d) => d.id).sort(),
      [mine[1]!, theirs[2]!].sort(),
      'by site',
    );
  });

  test('filter=online: the devices the device link reports online, mine and shared with me, page by page', async () => {
    const me = await signUp(h(), 'Online pager');
    const other = await signUp(h(), 'Online sharer');
    const rt = h().runtime;
    const mine = await seedBenchDevices(rt, me.id, 12, 1, 'ON');
    const theirs = await seedBenchDevices(rt, other.id, 6, 4, 'OS');
    await seedBenchShares(rt, other.id, me.id, theirs);
    // What the devices say over the device link: some of mine and some shared with me go offline.
    for (const id of [mine[0]!, mine[3]!, mine[4]!, theirs[1]!])
      assert.equal(await handleStatus(rt.ctx, id, { v: 1, state: 'offline' }), 'ok');
    const online = async (query: Query = {}) => (await walk(h(), me.token, { filter: 'online', ...query })).seen;
    const expected = [...mine, ...theirs].filter((id) => ![mine[0], mine[3], mine[4], theirs[1]].includes(id));
    const all = await online({ limit: 4 });
    assert.deepEqual(all.map((d) => d.id).sort(), [...expected].sort(), 'every online device once, no offline one');
    assert.ok(all.every((d) => d.online === true));
    assert.deepEqual(
      all.map((d) => d.access),
      [...Array(9).fill('owner'), ...Array(5).fill('shared')],
      'mine first, then shared with me',
    );
    // Back online: listed again.
    assert.equal(await handleStatus(rt.ctx, theirs[1]!, { v: 1, state: 'online' }), 'ok');
    assert.ok((await online()).some((d) => d.id === theirs[1]));
    // Combined with search.
    await rt.ctx.db
      .updateTable('devices')
      .set({ name: 'Porch light' })
      .where('id', 'in', [mine[2]!, mine[3]!])
      .execute();
    assert.deepEqual(
      (await online({ q: 'porch' })).map((d) => d.id),
      [mine[2]],
      'the offline porch device is not listed',
    );
  });

  test('a bad cursor or page size is a clear 400', async () => {
    const me = await signUp(h(), 'Bad pager');
    for (const q of ['?cursor=nonsense', '?limit=0', '?limit=201', '?filter=offline']) {
      const r = await h().request({ method: 'GET', url: `/api/devices${q}`, token: me.token });
      assertProblem(r, 400);
    }
  });
});
