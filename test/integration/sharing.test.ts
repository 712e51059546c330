// Flow 3 of SPEC section 3: share one device, the recipient sees exactly that, the owner edits and revokes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { auditOf, inboxOf, mailTo, ownDevice, sharesOf } from '../helpers/sharing.ts';
import { accountQrText, renderQrPng } from '../../src/services/qr-id.ts';
import { api, ok, type Reply, type RequestOf } from '../helpers/api.ts';

type Permission = NonNullable<RequestOf<'checkAccess'>['permission']>;
type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;

const H = 3_600_000;

describeEachDatabase('sharing one device', (h) => {
  const check = async (
    token: string,
    deviceId: string,
    channel: number | null,
    permission: Permission,
    at?: number,
  ): Promise<Decision> =>
    (await ok(
      api(h(), token).POST('/api/access/check', {
        body: { deviceId, channel, permission, ...(at === undefined ? {} : { at }) },
      }),
      200,
    )) as Decision;

  test('owner previews, shares chosen channels, recipient sees exactly that; owner edits, then revokes', async (t) => {
    const owner = await signUp(h(), 'Olivia');
    const bob = await signUp(h(), 'Bob');
    const nvr = await ownDevice(h(), owner.id, { channels: 4, name: 'Shop NVR' });
    const path = { params: { path: { id: nvr } } };
    const body = {
      recipient: { email: bob.email.toUpperCase() },
      scope: 'channels' as const,
      channels: [2, 1],
      permissions: ['playback' as const, 'live_view' as const],
    };
    const asOwner = api(h(), owner.token);
    let shareId = '';

    await t.test('the owner previews and shares two channels', async () => {
      const preview = await ok(asOwner.POST('/api/devices/{id}/shares/preview', { ...path, body }), 200);
      assert.equal(preview.id, null);
      assert.equal(
        preview.confirmation,
        'Share "Shop NVR" with Bob: channels 1 (Channel 1), 2 (Channel 2); permissions: Live View, Playback; valid: permanent.',
      );
      assert.equal((await sharesOf(h(), nvr)).length, 0, 'a preview writes nothing');
      assert.equal((await check(bob.token, nvr, 1, 'live_view')).allowed, false);

      const share = await ok(asOwner.POST('/api/devices/{id}/shares', { ...path, body }), 201);
      assert.match(share.id!, /^shr_/);
      assert.equal(share.confirmation, preview.confirmation);
      assert.deepEqual(share.recipient, { id: bob.id, displayName: 'Bob' });
      assert.deepEqual(share.permissions, [
        { name: 'live_view', label: 'Live View' },
        { name: 'playback', label: 'Playback' },
      ]);
      shareId = share.id!;
    });

    await t.test('the recipient sees it at once, marked as shared, with exactly those permissions', async () => {
      const home = await ok(api(h(), bob.token).GET('/api/devices'), 200);
      const item = home.find((d) => d.id === nvr)!;
      assert.equal(item.access, 'shared');
      assert.deepEqual(item.sharedBy, { id: owner.id, displayName: 'Olivia' });
      assert.deepEqual(item.permissionsNow, [
        { channel: 1, permissions: ['live_view', 'playback'] },
        { channel: 2, permissions: ['live_view', 'playback'] },
      ]);
      assert.equal((await check(bob.token, nvr, 2, 'playback')).allowed, true);
      assert.equal((await check(bob.token, nvr, 3, 'live_view')).reason, 'channel_not_shared');
      assert.equal((await check(bob.token, nvr, 1, 'ptz')).reason, 'permission_not_granted');
      assert.equal((await check(bob.token, nvr, null, 'configuration')).reason, 'permission_not_granted');
    });

    await t.test('the owner lists and edits', async () => {
      const list = await ok(asOwner.GET('/api/devices/{id}/shares', path));
      assert.deepEqual(
        list.map((s) => s.id),
        [shareId],
      );
      const edited = await ok(
        asOwner.PATCH('/api/shares/{id}', {
          params: { path: { id: shareId } },
          body: { scope: 'device', permissions: ['live_view', 'ptz', 'configuration'] },
        }),
        200,
      );
      assert.equal(edited.scope, 'device');
      assert.equal(edited.channels.length, 4);
      assert.equal((await check(bob.token, nvr, 4, 'ptz')).allowed, true);
      assert.equal((await check(bob.token, nvr, null, 'configuration')).allowed, true);
      assert.equal((await check(bob.token, nvr, 1, 'playback')).reason, 'permission_not_granted');
    });

    await t.test('revoke: the very next check is denied', async () => {
      const revoked = await ok(asOwner.DELETE('/api/shares/{id}', { params: { path: { id: shareId } } }), 200);
      assert.deepEqual(revoked, { ok: true, endedBy: 'owner' });
      const after = await check(bob.token, nvr, 4, 'live_view');
      assert.deepEqual(
        [after.allowed, after.reason, after.detail],
        [false, 'no_access', 'You have no access to this device.'],
      );
      const homeAfter = await ok(api(h(), bob.token).GET('/api/devices'));
      assert.equal(
        homeAfter.some((d) => d.id === nvr),
        false,
      );
    });

    await t.test('told at every step, by inbox and email; every change audited with before/after', async () => {
      assert.deepEqual((await inboxOf(h(), bob.id)).map((m) => m.kind).sort(), [
        'share_changed',
        'share_received',
        'share_revoked',
      ]);
      assert.equal((await mailTo(h(), bob.email)).filter((m) => m.subject.includes('"Shop NVR"')).length, 3);
      const audit = await auditOf(h(), nvr);
      assert.deepEqual(
        audit.map((a) => a.action),
        ['share.created', 'share.updated', 'share.revoked'],
        'in order (by sequence)',
      );
      assert.equal(audit[0]!.actor_account_id, owner.id);
      assert.equal(audit[1]!.before.scope, 'channels');
      assert.equal(audit[1]!.after.scope, 'device');
      assert.equal(audit[2]!.after, null);
      // The owner's trail says with whom each change was, by name, and what was shared.
      const trail = await ok(asOwner.GET('/api/devices/{id}/audit', { params: { path: { id: nvr } } }));
      const createdRow = trail.items.find((e) => e.action === 'share.created')!;
      assert.equal(createdRow.subject, bob.displayName);
      assert.ok(JSON.stringify(createdRow.after).includes('live_view'));
    });
  });

  test('a share ending at T allows at T-1 ms and denies at T, with no job running', async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const cam = await ownDevice(h(), owner.id, { channels: 1 });
    const T = h().clock.now() + 2 * H;
    const res = await h().request({
      method: 'POST',
      url: `/api/devices/${cam}/shares`,
      token: owner.token,
      body: { recipient: { accountId: bob.id }, scope: 'device', permissions: ['live_view'], validity: { until: T } },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(await check(bob.token, cam, 1, 'live_view').then((d) => [d.allowed, d.until]), [true, T]);
    h().clock.set(T - 1);
    assert.equal((await check(bob.token, cam, 1, 'live_view')).allowed, true);
    h().clock.advance(1);
    const d = await check(bob.token, cam, 1, 'live_view');
    assert.deepEqual([d.allowed, d.reason], [false, 'expired']);
  });

  test("a weekly schedule is read in the owner's time zone", async () => {
    const owner = await signUp(h(), 'Dubliner', { timeZone: 'Europe/Dublin' });
    const bob = await signUp(h(), 'Bob');
    const cam = await ownDevice(h(), owner.id, { channels: 1 });
    const res = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/shares', {
        params: { path: { id: cam } },
        body: {
          recipient: { email: bob.email },
          scope: 'device',
          permissions: ['live_view'],
          validity: { schedule: { windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] } },
        },
      }),
      201,
    );
    assert.equal(res.validityText, 'permanent; weekdays 08:00-18:00 (Europe/Dublin)');
    // Wednesday 1 July 2026, Irish summer time (UTC+1): 08:00 local = 07:00 UTC.
    assert.equal((await check(bob.token, cam, 1, 'live_view', Date.UTC(2026, 6, 1, 7) - 1)).reason, 'outside_schedule');
    const open = await check(bob.token, cam, 1, 'live_view', Date.UTC(2026, 6, 1, 7));
    assert.deepEqual([open.allowed, open.until], [true, Date.UTC(2026, 6, 1, 17)]);
    assert.equal((await check(bob.token, cam, 1, 'live_view', Date.UTC(2026, 6, 4, 12))).reason, 'outside_schedule'); // Saturday
  });

  test('the recipient can be picked by phone, QR text or an uploaded QR image; unknown and self are refused', async () => {
    const owner = await signUp(h(), 'Owner');
    const carol = await signUp(h(), 'Carol', { phone: '+353861234567' });
    const resolve = (body: unknown) =>
      h().request({ method: 'POST', url: '/api/recipients/resolve', token: owner.token, body });
    const typedResolve = (body: RequestOf<'resolveRecipient'>) =>
      ok(api(h(), owner.token).POST('/api/recipients/resolve', { body }), 200);
    assert.deepEqual(await typedResolve({ phone: '+353 86 123 4567' }), { id: carol.id, displayName: 'Carol' });
    const ref = (
      await h()
        .runtime.ctx.db.selectFrom('accounts')
        .select('qr_ref')
        .where('id', '=', carol.id)
        .executeTakeFirstOrThrow()
    ).qr_ref;
    assert.deepEqual(await typedResolve({ qrText: accountQrText(ref) }), { id: carol.id, displayName: 'Carol' });
    const png = await renderQrPng(accountQrText(ref));
    // The picture goes as its bytes (the OpenAPI document types an image body as a binary string).
    const img = await ok(
      api(h(), owner.token).POST('/api/recipients/resolve-image', {
        body: png as unknown as string,
        bodySerializer: () => new Uint8Array(png),
        headers: { 'content-type': 'image/png' },
      }),
      200,
    );
    assert.deepEqual(img, { id: carol.id, displayName: 'Carol' });

    const unknown = assertProblem(await resolve({ email: 'nobody-here@example.com' }), 404);
    assert.match(unknown.detail, /needs a Keyholder account/);
    assert.equal(unknown.field, 'recipient.email');
    assertProblem(await resolve({ email: 'a@example.com', phone: '+353861234567' }), 400);

    const cam = await ownDevice(h(), owner.id, { channels: 1 });
    const self = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/devices/${cam}/shares`,
        token: owner.token,
        body: { recipient: { email: owner.email }, scope: 'device', permissions: ['live_view'] },
      }),
      400,
    );
    assert.equal(self.code, 'share_to_self');
    // An address nobody has proven: the share waits for it (docs/sharing.md, "Waiting shares").
    const nobody = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/shares', {
        params: { path: { id: cam } },
        body: { recipient: { email: 'nobody-here@example.com' }, scope: 'device', permissions: ['live_view'] },
      }),
      201,
    );
    assert.equal(nobody.status, 'waiting');
    assert.equal(nobody.recipient.id, null);
    assert.equal((await sharesOf(h(), cam)).length, 0, 'a waiting share grants nothing');
    const listed = await ok(api(h(), owner.token).GET('/api/devices/{id}/shares', { params: { path: { id: cam } } }));
    assert.deepEqual(
      listed.map((s) => [s.status, s.waitingFor]),
      [['waiting', 'nobody-here@example.com']],
    );
    assert.equal((await sharesOf(h(), cam)).length, 0);
  });

  test('bad scopes, permissions, channels, windows and schedules are refused naming the field, and nothing is written', async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const nvr = await ownDevice(h(), owner.id, { channels: 4 });
    const now = h().clock.now();
    const base = { recipient: { email: bob.email }, scope: 'channels', channels: [1], permissions: ['live_view'] };
    const cases: Array<[Record<string, unknown>, number, string, RegExp?]> = [
      [{ permissions: ['playback'] }, 400, 'permissions', /Play Video is required/],
      [{ permissions: ['live_view', 'configuration'] }, 400, 'permissions', /whole device/],
      [{ permissions: ['live_view', 'teleport'] }, 400, 'permissions[1]'],
      [{ channels: [1, 5] }, 400, 'channels[1]', /does not exist/],
      [{ channels: [] }, 400, 'channels'],
      [{ scope: 'everything' }, 400, 'scope'],
      [{ validity: { from: now + 2 * H, until: now + H } }, 400, 'validity.until', /after/],
      [{ validity: { until: now - 1 } }, 400, 'validity.until'],
      [
        { validity: { schedule: { windows: [{ days: [1], from: '8am', to: '18:00' }] } } },
        400,
        'validity.schedule.windows[0].from',
      ],
      [
        { validity: { schedule: { windows: [{ days: [1, 1], from: '08:00', to: '18:00' }] } } },
        400,
        'validity.schedule.windows[0].days',
      ],
      [{ validity: { schedule: { windows: [] } } }, 400, 'validity.schedule.windows', /allow some time/],
      [{ extra: true }, 400, 'extra'],
    ];
    for (const [patch, status, field, detail] of cases) {
      const res = await h().request({
        method: 'POST',
        url: `/api/devices/${nvr}/shares`,
        token: owner.token,
        body: { ...base, ...patch },
      });
      const problem = assertProblem(res, status);
      assert.equal(problem.field, field, JSON.stringify(patch));
      if (detail) assert.match(problem.detail, detail);
    }
    assert.equal((await sharesOf(h(), nvr)).length, 0);
    assert.equal((await inboxOf(h(), bob.id)).length, 0);

    // Edits are checked the same way and leave the share as it was.
    const created = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/shares', {
        params: { path: { id: nvr } },
        body: { ...base, scope: 'channels', permissions: ['live_view'] },
      }),
      201,
    );
    const bad = assertProblem(
      await h().request({
        method: 'PATCH',
        url: `/api/shares/${created.id}`,
        token: owner.token,
        body: { channels: [9] },
      }),
      400,
    );
    assert.equal(bad.field, 'channels[0]');
    assert.deepEqual(JSON.parse((await sharesOf(h(), nvr))[0]!.channels), [1]);
  });

  test('only the owner shares: no resharing, no unsupported devices, one share per recipient, at most the limit', async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const carol = await signUp(h(), 'Carol');
    const nvr = await ownDevice(h(), owner.id, { channels: 2 });
    const share = (token: string, deviceId: string, email: string) =>
      h().request({
        method: 'POST',
        url: `/api/devices/${deviceId}/shares`,
        token,
        body: { recipient: { email }, scope: 'device', permissions: ['live_view'] },
      });
    assert.equal((await share(owner.token, nvr, bob.email)).statusCode, 201);
    const again = assertProblem(await share(owner.token, nvr, bob.email), 409);
    assert.equal(again.code, 'share_exists');
    assert.match(again.detail, /Edit the existing share instead\.$/);
    assert.doesNotMatch(again.detail, /\/api\//, 'no developer text');
    const reshare = assertProblem(await share(bob.token, nvr, carol.email), 403);
    assert.equal(reshare.code, 'reshare_not_allowed');
    const old = await ownDevice(h(), owner.id, { supportsSharing: false, name: 'Old DVR' });
    assert.equal(assertProblem(await share(owner.token, old, bob.email), 403).code, 'sharing_not_supported');

    const limit = h().config.maxShareRecipients;
    for (let i = 1; i < limit; i++)
      assert.equal((await share(owner.token, nvr, (await signUp(h(), `R${i}`)).email)).statusCode, 201);
    const over = assertProblem(await share(owner.token, nvr, carol.email), 409);
    assert.equal(over.code, 'recipient_limit');
    assert.equal((await sharesOf(h(), nvr)).length, limit);
  });

  test('every id-taking route refuses outsiders', async () => {
    const owner = await signUp(h(), 'Owner');
    const bob = await signUp(h(), 'Bob');
    const stranger = await signUp(h(), 'Stranger');
    const otherOwner = await signUp(h(), 'Other owner');
    await ownDevice(h(), otherOwner.id);
    const nvr = await ownDevice(h(), owner.id, { channels: 2 });
    const shareId = (
      await ok(
        api(h(), owner.token).POST('/api/devices/{id}/shares', {
          params: { path: { id: nvr } },
          body: { recipient: { email: bob.email }, scope: 'device', permissions: ['live_view'] },
        }),
        201,
      )
    ).id!;
    const body = { recipient: { email: owner.email }, scope: 'device', permissions: ['live_view'] };
    for (const who of [stranger, otherOwner]) {
      assertProblem(await h().request({ method: 'GET', url: `/api/devices/${nvr}/shares`, token: who.token }), 404);
      assertProblem(
        await h().request({ method: 'POST', url: `/api/devices/${nvr}/shares/preview`, token: who.token, body }),
        404,
      );
      assertProblem(
        await h().request({ method: 'POST', url: `/api/devices/${nvr}/shares`, token: who.token, body }),
        404,
      );
      assertProblem(await h().request({ method: 'DELETE', url: `/api/devices/${nvr}/shares`, token: who.token }), 404);
      assertProblem(
        await h().request({
          method: 'PATCH',
          url: `/api/shares/${shareId}`,
          token: who.token,
          body: { permissions: ['live_view', 'ptz'] },
        }),
        404,
      );
      assertProblem(await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: who.token }), 404);
    }
    // The recipient may not manage the share, only remove it.
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${nvr}/shares`, token: bob.token }), 404);
    assertProblem(
      await h().request({
        method: 'PATCH',
        url: `/api/shares/${shareId}`,
        token: bob.token,
        body: { permissions: ['live_view', 'ptz'] },
      }),
      404,
    );
    assertProblem(await h().request({ method: 'DELETE', url: `/api/devices/${nvr}/shares`, token: bob.token }), 404);
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${nvr}/shares` }), 401);
    assert.equal((await sharesOf(h(), nvr)).length, 1);
    assert.deepEqual(JSON.parse((await sharesOf(h(), nvr))[0]!.permissions), ['live_view']);

    const removed = await ok(api(h(), bob.token).DELETE('/api/shares/{id}', { params: { path: { id: shareId } } }));
    assert.deepEqual(removed, { ok: true, endedBy: 'recipient' });
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'share_removed'));
    assert.equal((await auditOf(h(), nvr)).at(-1)!.action, 'share.removed_by_recipient');
  });

  test('revoke all ends every share of the device', async () => {
    const owner = await signUp(h(), 'Owner');
    const [bob, carol] = [await signUp(h(), 'Bob'), await signUp(h(), 'Carol')];
    const nvr = await ownDevice(h(), owner.id, { channels: 2 });
    for (const p of [bob, carol]) {
      await h().request({
        method: 'POST',
        url: `/api/devices/${nvr}/shares`,
        token: owner.token,
        body: { recipient: { email: p.email }, scope: 'device', permissions: ['live_view'] },
      });
    }
    const res = await ok(api(h(), owner.token).DELETE('/api/devices/{id}/shares', { params: { path: { id: nvr } } }));
    assert.deepEqual(res, { revoked: 2 });
    for (const p of [bob, carol]) {
      assert.equal((await check(p.token, nvr, 1, 'live_view')).reason, 'no_access');
      assert.ok((await inboxOf(h(), p.id)).some((m) => m.kind === 'share_revoked'));
    }
  });
});

describeEachDatabase(
  'the recipient limit under concurrency',
  (h) => {
    test('concurrent shares that would exceed the limit: at most the limit succeed', async () => {
      const owner = await signUp(h(), 'Owner');
      const people = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(h(), `P${i}`)));
      const nvr = await ownDevice(h(), owner.id, { channels: 2 });
      const results = await Promise.all(
        people.map((p) =>
          h().request({
            method: 'POST',
            url: `/api/devices/${nvr}/shares`,
            token: owner.token,
            body: { recipient: { email: p.email }, scope: 'device', permissions: ['live_view'] },
          }),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [201, 201, 409, 409, 409, 409], results.map((r) => r.body).join('\n'));
      assert.equal((await sharesOf(h(), nvr)).length, 2);
    });
  },
  { MAX_SHARE_RECIPIENTS: '2' },
);
