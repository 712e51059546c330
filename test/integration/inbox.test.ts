import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { postInbox } from '../../src/persistence/repositories/inbox.ts';
import { api, ok } from '../helpers/api.ts';

describeEachDatabase('inbox', (h) => {
  async function post(accountId: string, title: string, at = h().clock.now()) {
    return postInbox(h().runtime.ctx.db, {
      accountId,
      kind: 'test_message',
      title,
      body: `About ${title}`,
      data: { n: title },
      at,
    });
  }

  test('my messages, newest first, with paging that loses nothing when messages share an instant', async () => {
    const me = await signUp(h(), 'Reader');
    const other = await signUp(h(), 'Someone else');
    await post(other.id, 'not mine');
    const base = h().clock.now();
    await post(me.id, 'old', base - 10_000);
    // Three messages posted by one transaction carry the same time.
    for (const t of ['same A', 'same B', 'same C']) await post(me.id, t, base);
    await post(me.id, 'newest', base + 10_000);

    const titles: string[] = [];
    const asMe = api(h(), me.token);
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: { limit: number; cursor?: string } = cursor ? { limit: 2, cursor } : { limit: 2 };
      const page = await ok(asMe.GET('/api/inbox', { params: { query } }), 200);
      assert.equal(page.unread, 5);
      titles.push(...page.items.map((m) => m.title));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.equal(titles.length, 5);
    assert.equal(titles[0], 'newest');
    assert.equal(titles[4], 'old');
    assert.deepEqual(titles.slice(1, 4).sort(), ['same A', 'same B', 'same C']);

    const first = (await ok(asMe.GET('/api/inbox'), 200)).items[0]!;
    assert.equal(first.read, false);
    assert.equal(first.readAt, null);
    assert.equal(first.body, 'About newest');
    assert.deepEqual(first.data, { n: 'newest' });
  });

  test('unread count, mark one read, unread filter, mark all read', async () => {
    const me = await signUp(h(), 'Marker');
    const ids = [await post(me.id, 'one'), await post(me.id, 'two'), await post(me.id, 'three')];
    const asMe = api(h(), me.token);
    const count = async () => (await ok(asMe.GET('/api/inbox/unread-count'), 200)).unread;
    assert.equal(await count(), 3);

    const read = await h().request({ method: 'POST', url: `/api/inbox/${ids[1]}/read`, token: me.token });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(await count(), 2);
    // Marking it again is harmless.
    assert.equal(
      (await h().request({ method: 'POST', url: `/api/inbox/${ids[1]}/read`, token: me.token })).statusCode,
      200,
    );

    const unread = await ok(asMe.GET('/api/inbox', { params: { query: { unread: true } } }), 200);
    assert.deepEqual(unread.items.map((m) => m.title).sort(), ['one', 'three']);
    const all = await ok(asMe.GET('/api/inbox'), 200);
    assert.equal(all.items.find((m) => m.id === ids[1])!.read, true);

    const readAll = await ok(asMe.POST('/api/inbox/read-all'), 200);
    assert.deepEqual(readAll, { ok: true, marked: 2 });
    assert.equal(await count(), 0);
  });

  test("another person's message cannot be marked (404, unchanged); logged out is 401; bad input is 400", async () => {
    const me = await signUp(h(), 'Owner of message');
    const snoop = await signUp(h(), 'Snoop');
    const id = await post(me.id, 'private');
    assertProblem(await h().request({ method: 'POST', url: `/api/inbox/${id}/read`, token: snoop.token }), 404);
    assertProblem(await h().request({ method: 'POST', url: '/api/inbox/msg_unknown/read', token: snoop.token }), 404);
    assert.equal((await ok(api(h(), me.token).GET('/api/inbox/unread-count'), 200)).unread, 1);
    assert.equal((await ok(api(h(), snoop.token).GET('/api/inbox'), 200)).items.length, 0);

    assertProblem(await h().request({ method: 'GET', url: '/api/inbox' }), 401);
    assertProblem(await h().request({ method: 'GET', url: '/api/inbox/unread-count' }), 401);
    assertProblem(await h().request({ method: 'POST', url: `/api/inbox/${id}/read` }), 401);
    assertProblem(await h().request({ method: 'POST', url: '/api/inbox/read-all' }), 401);

    const badLimit = assertProblem(
      await h().request({ method: 'GET', url: '/api/inbox?limit=1000', token: me.token }),
      400,
    );
    assert.equal(badLimit.field, 'limit');
    assert.equal(
      assertProblem(await h().request({ method: 'GET', url: '/api/inbox?cursor=not-a-cursor', token: me.token }), 400)
        .field,
      'cursor',
    );
    assert.equal(
      assertProblem(await h().request({ method: 'GET', url: '/api/inbox?unread=maybe', token: me.token }), 400).field,
      'unread',
    );
    assert.equal(
      assertProblem(
        await h().request({ method: 'GET', url: `/api/inbox?cursor=${'x'.repeat(300)}`, token: me.token }),
        400,
      ).field,
      'cursor',
    );
  });
});
