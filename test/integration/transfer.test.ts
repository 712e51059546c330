import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/devices.ts';

describeEachDatabase('ownership transfer', (h) => {
  test('owner offers, recipient sees it in the inbox and accepts: the device is theirs, old access ends', async () => {
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

    // Picked by phone number, spaces and all.
    const start = await h().request({
      method: 'POST',
      url: `/api/devices/${d.id}/transfer`,
      token: seller.token,
      body: { to: '+353 86 123 4567' },
    });
    assert.equal(start.statusCode, 201, start.body);
    const t = start.json();
    assert.equal(t.status, 'pending');
    assert.deepEqual(t.to, { id: buyer.id, displayName: 'Buyer' });
    assert.equal(t.device.name, 'Shop NVR');

    const inbox = (await h().request({ method: 'GET', url: '/api/inbox', token: buyer.token })).json();
    assert.equal(inbox.items[0].kind, 'device_transfer');
    assert.equal(inbox.items[0].title, 'Seller wants to give you Shop NVR');
    assert.equal(inbox.items[0].data.transferId, t.id);

    const lists = (await h().request({ method: 'GET', url: '/api/transfers', token: buyer.token })).json();
    assert.deepEqual(
      lists.incoming.map((x: { id: string }) => x.id),
      [t.id],
    );
    assert.equal(lists.outgoing.length, 0);
    assert.deepEqual(
      (await h().request({ method: 'GET', url: '/api/transfers', token: seller.token }))
        .json()
        .outgoing.map((x: { id: string }) => x.id),
      [t.id],
    );

    // Until accepted, the device is still the seller's.
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: seller.token })).statusCode,
      200,
    );
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: buyer.token }), 404);

    h().clock.advance(1000);
    const accept = await h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: buyer.token });
    assert.equal(accept.statusCode, 200, accept.body);
    assert.equal(accept.json().status, 'accepted');

    const mine = await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: buyer.token });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().name, 'Shop NVR', 'names travel with a transferred device');
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: seller.token }), 404);
    assert.equal(
      (await h().runtime.ctx.db.selectFrom('shares').select('id').where('device_id', '=', d.id).execute()).length,
      0,
    );
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/inbox', token: friend.token })).json().items[0].title,
      '"Shop NVR" is no longer shared with you',
    );
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/inbox', token: seller.token })).json().items[0].kind,
      'transfer_accepted',
    );

    const audit = (await h().request({ method: 'GET', url: `/api/devices/${d.id}/audit`, token: buyer.token })).json();
    const actions = audit.items.map((e: { action: string }) => e.action);
    assert.ok(actions.includes('device.transferred'));
    assert.ok(!actions.includes('device.renamed'), "the seller's earlier history stays the seller's");

    // Answering twice does nothing more.
    assertProblem(await h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: buyer.token }), 409);
  });

  test('decline leaves the device with its owner; the owner can withdraw an offer', async () => {
    const owner = await signUp(h(), 'Keeper');
    const other = await signUp(h(), 'Declines');
    const d = await ownDevice(h(), owner);
    const t1 = (
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email },
      })
    ).json();
    const declined = await h().request({ method: 'POST', url: `/api/transfers/${t1.id}/decline`, token: other.token });
    assert.equal(declined.json().status, 'declined');
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/devices/${d.id}`, token: owner.token })).statusCode,
      200,
    );
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/inbox', token: owner.token })).json().items[0].kind,
      'transfer_declined',
    );

    const t2 = (
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email.toUpperCase() },
      })
    ).json();
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
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/transfers/${t2.id}`, token: other.token })).json().status,
      'cancelled',
    );
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
    const t = (
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email },
      })
    ).json();
    h().clock.advance(7 * 24 * 3600_000 + 1);
    assertProblem(await h().request({ method: 'POST', url: `/api/transfers/${t.id}/accept`, token: other.token }), 410);
    assert.equal(
      (await h().request({ method: 'GET', url: '/api/transfers', token: other.token })).json().incoming.length,
      0,
    );
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
    const t = (
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email },
      })
    ).json();
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
    const t = (
      await h().request({
        method: 'POST',
        url: `/api/devices/${d.id}/transfer`,
        token: owner.token,
        body: { to: other.email },
      })
    ).json();
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
    const nobody = assertProblem(
      await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: { to: 'nobody@example.com' } }),
      404,
    );
    assert.equal(nobody.field, 'to');
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

    const t = (
      await h().request({ method: 'POST', url: transferUrl, token: owner.token, body: { to: other.email } })
    ).json();
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
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/transfers/${t.id}`, token: other.token })).json().status,
      'pending',
    );
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/transfers/${t.id}`, token: owner.token })).json().status,
      'pending',
    );
  });
});
