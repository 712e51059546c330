import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';
import { api, ok, statusOf } from '../helpers/api.ts';

const onId = (id: string) => ({ params: { path: { id } } });

describeEachDatabase('ownership transfer', (h) => {
  /** The owner behind `token` offers the device to `to` (an address or a phone number); returns the offer. */
  const offer = (token: string, deviceId: string, to: string) =>
    ok(api(h(), token).POST('/api/devices/{id}/transfer', { ...onId(deviceId), body: { to } }), 201);
  const transferOf = async (token: string, id: string) => ok(api(h(), token).GET('/api/transfers/{id}', onId(id)), 200);
  const inboxOf = async (token: string) => (await ok(api(h(), token).GET('/api/inbox'), 200)).items;

  test('owner offers, recipient sees it in the inbox and accepts: the device is theirs, old access ends', async (tt) => {
    const seller = await signUp(h(), 'Seller');
    const buyer = await signUp(h(), 'Buyer', { phone: '+353861234567' });
    const friend = await signUp(h(), 'Friend of seller');
    const d = await ownDevice(h(), seller, { kind: 'recorder', channels: 2 });
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${d.id}`,
      token: seller.token,
      body: { name: 'Shop NVR' },
    });
    const now = h().clock.now();
    await h()
      .runtime.ctx.db.insertInto('shares')
      .values({
        id: 'shr_transfer_test',
        device_id: d.id,
        owner_account_id: seller.id,
        recipient_account_id: friend.id,
        scope: 'device',
        channels: '[]',
        permissions: '["live_view"]',
        valid_from: null,
        valid_until: null,
        schedule: null,
        time_zone: 'UTC',
        created_at: now,
        updated_at: now,
      })
      .execute();

    const asSeller = api(h(), seller.token);
    const asBuyer = api(h(), buyer.token);
    let transferId = '';

    await tt.test('the seller offers it by phone number, spaces and all', async () => {
      const t = await ok(
        asSeller.POST('/api/devices/{id}/transfer', { ...onId(d.id), body: { to: '+353 86 123 4567' } }),
        201,
      );
      assert.equal(t.status, 'pending');
      assert.deepEqual(t.to, { id: buyer.id, displayName: 'Buyer' });
      assert.equal(t.device.name, 'Shop NVR');
      transferId = t.id;
    });

    await tt.test(
      "the buyer sees it in the inbox and in the lists; until accepted it is still the seller's",
      async () => {
        const inbox = await inboxOf(buyer.token);
        assert.equal(inbox[0]!.kind, 'device_transfer');
        assert.equal(inbox[0]!.title, 'Seller wants to give you Shop NVR');
        assert.equal(inbox[0]!.data.transferId, transferId);

        const lists = await ok(asBuyer.GET('/api/transfers'), 200);
        assert.deepEqual(
          lists.incoming.map((x) => x.id),
          [transferId],
        );
        assert.equal(lists.outgoing.length, 0);
        assert.deepEqual(
          (await ok(asSeller.GET('/api/transfers'), 200)).outgoing.map((x) => x.id),
          [transferId],
        );

        assert.equal(await statusOf(asSeller.GET('/api/devices/{id}', onId(d.id))), 200);
        assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: buyer.token }), 404);
      },
    );

    await tt.test('the buyer accepts: the device and its names are theirs, the old access ends', async () => {
      h().clock.advance(1000);
      const accept = await ok(asBuyer.POST('/api/transfers/{id}/accept', onId(transferId)), 200);
      assert.equal(accept.status, 'accepted');

      const mine = await ok(asBuyer.GET('/api/devices/{id}', onId(d.id)), 200);
      assert.equal(mine.name, 'Shop NVR', 'names travel with a transferred device');
      assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: seller.token }), 404);
      assert.equal(
        (await h().runtime.ctx.db.selectFrom('shares').select('id').where('device_id', '=', d.id).execute()).length,
        0,
      );
      assert.equal((await inboxOf(friend.token))[0]!.title, '"Shop NVR" is no longer shared with you');
      assert.equal((await inboxOf(seller.token))[0]!.kind, 'transfer_accepted');
    });

    await tt.test("the buyer's audit starts at the transfer; answering twice does nothing more", async () => {
      const audit = await ok(asBuyer.GET('/api/devices/{id}/audit', onId(d.id)), 200);
      const actions = audit.items.map((e) => e.action);
      assert.ok(actions.includes('device.transferred'));
      assert.ok(!actions.includes('device.renamed'), "the seller's earlier history stays the seller's");

      assertProblem(
        await h().request({ method: 'POST', url: `/api/transfers/${transferId}/accept`, token: buyer.token }),
        409,
      );
    });
  });

  test('decline leaves the device with its owner; the owner can withdraw an offer', async () => {
    const owner = await signUp(h(), 'Keeper');
    const other = await signUp(h(), 'Declines');
    const d = await ownDevice(h(), owner);
    const t1 = await offer(owner.token, d.id, other.email);
    const declined = await ok(api(h(), other.token).POST('/api/transfers/{id}/decline', onId(t1.id)), 200);
    assert.equal(declined.status, 'declined');
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: owner.token })).statusCode,
      200,
    );
    assert.equal((await inboxOf(owner.token))[0]!.kind, 'transfer_declined');

    const t2 = await offer(owner.token, d.id, other.email.toUpperCase());
    assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email },
      }),
      409,
    );
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/devices/${d.id}/transfer`, token: owner.token })).statusCode,
      200,
    );
    assert.equal((await transferOf(other.token, t2.id)).status, 'cancelled');
    assertProblem(
      await h().request({ method: 'POST', url: `/api/transfers/${t2.id}/accept`, token: other.token }),
      409,
    );
    assertProblem(
      await h().request({ method: 'DELETE', url: `/api/devices/${d.id}/transfer`, token: owner.token }),
      404,
    );
  });

  test('offers expire after 7 days', async () => {
    const owner = await signUp(h(), 'Slow seller');
    const other = await signUp(h(), 'Slow buyer');
    const d = await ownDevice(h(), owner);
    const t = await offer(owner.token, d.id, other.email);
    h().clock.advance(7 * 24 * 3600_000 + 1);
    assertProblem(await h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: other.token }), 410);
    assert.equal((await ok(api(h(), other.token).GET('/api/transfers'), 200)).incoming.length, 0);
    // A new offer can be made once the old one ran out.
    assert.equal(
      (
        await h().request({
          method: 'POST',
          url: `/api/devices/${d.id}/transfer`,
          token: owner.token,
          body: { to: other.email },
        })
      ).statusCode,
      201,
    );
  });

  test('unbinding cancels an open offer', async () => {
    const owner = await signUp(h(), 'Changes mind');
    const other = await signUp(h(), 'Waiting');
    const d = await ownDevice(h(), owner);
    const t = await offer(owner.token, d.id, other.email);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/devices/${d.id}`, token: owner.token })).statusCode,
      200,
    );
    assertProblem(await h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: other.token }), 409);
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('owner_account_id')
      .where('id', '=', d.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_account_id, null);
  });

  test('two concurrent answers to one offer: exactly one wins', async () => {
    const owner = await signUp(h(), 'Offerer');
    const other = await signUp(h(), 'Double clicker');
    const d = await ownDevice(h(), owner);
    const t = await offer(owner.token, d.id, other.email);
    const [a, b] = await Promise.all([
      h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: other.token }),
      h().request({ method: 'POST', url: `/api/transfers/${t.id}/decline`, token: other.token }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409], `${a.body} / ${b.body}`);
    const row = await h()
      .runtime.ctx.db.selectFrom('devices')
      .select('owner_account_id')
      .where('id', '=', d.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_account_id, a.statusCode === 200 ? other.id : owner.id);
  });

  test('outsiders, the wrong side, bad recipients and bad input are refused; nothing changes', async () => {
    const owner = await signUp(h(), 'Careful owner');
    const other = await signUp(h(), 'Recipient');
    const outsider = await signUp(h(), 'Outsider');
    const d = await ownDevice(h(), owner);
    const transferUrl = `/api/devices/${d.id}/transfer`;

    assertProblem(
      await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: { to: owner.email } }),
      400,
    );
    // An address nobody has proven: the offer waits for it (and can be withdrawn like any offer).
    const nobody = await offer(owner.token, d.id, 'nobody@example.com');
    assert.equal(nobody.status, 'waiting');
    assert.equal((await h().request({ method: 'DELETE', url: transferUrl, token: owner.token })).statusCode, 200);
    assert.equal(
      assertProblem(
        await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: { to: 'not an address' } }),
        400,
      ).field,
      'to',
    );
    assert.equal(
      assertProblem(await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: {} }), 400).field,
      'to',
    );
    assert.equal(
      assertProblem(
        await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: { to: 'x'.repeat(300) } }),
        400,
      ).field,
      'to',
    );
    assert.equal(
      assertProblem(
        await h().request({
          method: 'POST',
          url: transferUrl,
          token: owner.token,
          body: { to: other.email, note: 'hi' },
        }),
        400,
      ).field,
      'note',
    );

    const t = await offer(owner.token, d.id, other.email);
    for (const action of ['accept', 'decline']) {
      assertProblem(
        await h().request({ method: 'POST', url: `/api/transfers/${t.id}/${action}`, token: outsider.token }),
        404,
      );
      // The one who offered cannot answer for the recipient.
      assertProblem(
        await h().request({ method: 'POST', url: `/api/transfers/${t.id}/${action}`, token: owner.token }),
        404,
      );
      assertProblem(await h().request({ method: 'POST', url: `/api/transfers/${t.id}/${action}` }), 401);
    }
    assertProblem(await h().request({ method: 'GET', url: `/api/transfers/${t.id}`, token: outsider.token }), 404);
    assertProblem(await h().request({ method: 'GET', url: `/api/transfers/${t.id}` }), 401);
    assertProblem(await h().request({ method: 'GET', url: '/api/transfers' }), 401);
    assert.equal((await transferOf(other.token, t.id)).status, 'pending');
    assert.equal((await transferOf(owner.token, t.id)).status, 'pending');
  });
});
