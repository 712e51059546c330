// Ownership claims: the person holding a device bound to someone else files a claim; the owner is told and
// releases or rejects it; after the owner's time (or a rejection) an operator transfers or dismisses it. The
// claimant never learns who the owner is: every answer, notice and mail they get is checked for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { ownDevice, registerDevice, signUpOperator } from '../helpers/devices.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { auditOf, inboxOf, mailTo } from '../helpers/sharing.ts';
import { api, ok, problemOf, statusOf, type Api, type RequestOf } from '../helpers/api.ts';

type ClaimBody = RequestOf<'fileClaim'>;

const DAY = 24 * 60 * 60 * 1000;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF label photo')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('png body')]);
const PDF = Buffer.from('%PDF-1.4\n% receipt from the shop\n%%EOF\n');
const GIF = Buffer.from('GIF89a not a jpeg at all');

function evidence(label: Buffer = JPEG, proof: Buffer = PDF): ClaimBody['files'] {
  return [
    { kind: 'label_photo', name: 'label.jpg', data: label.toString('base64') },
    { kind: 'proof_of_purchase', name: 'receipt.pdf', data: proof.toString('base64') },
  ];
}

describeEachDatabase('ownership claims', (h) => {
  /** Everything the claimant was ever answered or sent, to look for the owner in. */
  const seenByClaimant: string[] = [];
  /** The API as the claimant sees it: every answer's raw text is kept for `assertNoOwnerIn`. */
  function asClaimant(p: Person): Api {
    const client = api(h(), p.token);
    client.use({
      async onResponse({ response }) {
        seenByClaimant.push(await response.clone().text());
      },
    });
    return client;
  }
  const claim = (id: string) => ({ params: { path: { id } } });

  async function world(ownerName = 'Olga Ownerova') {
    const owner = await signUp(h(), ownerName);
    const claimant = await signUp(h(), 'Carl Claimant');
    const device = await ownDevice(h(), owner, { kind: 'camera', model: 'Acusense Bullet' });
    return { owner, claimant, device };
  }

  function file(claimant: Person, device: { serial: string; code: string }, extra: Partial<ClaimBody> = {}) {
    return asClaimant(claimant).POST('/api/claims', {
      body: {
        serial: device.serial.toLowerCase(),
        verificationCode: device.code,
        message: 'I bought it at a flea market; the seller said it was reset.',
        files: evidence(),
        ...extra,
      },
    });
  }
  const filed = (claimant: Person, device: { serial: string; code: string }) => ok(file(claimant, device), 201);

  function assertNoOwnerIn(owner: Person, texts: string[]) {
    for (const t of texts) {
      assert.ok(!t.includes(owner.id), `the owner's id reached the claimant: ${t.slice(0, 300)}`);
      assert.ok(!t.includes(owner.email), `the owner's email reached the claimant: ${t.slice(0, 300)}`);
      assert.ok(!t.includes(owner.displayName), `the owner's name reached the claimant: ${t.slice(0, 300)}`);
    }
  }

  async function claimantMailAndInbox(claimant: Person): Promise<string[]> {
    const inbox = await inboxOf(h(), claimant.id);
    const mail = await mailTo(h(), claimant.email);
    return [...inbox.map((m) => JSON.stringify(m)), ...mail.map((m) => JSON.stringify(m))];
  }

  test('a claim is filed with the label code and files; the owner is told by inbox and email; the claimant sees no owner', async (t) => {
    const { owner, claimant, device } = await world();
    const bind = asClaimant(claimant).POST('/api/devices/bind', {
      body: { serial: device.serial, verificationCode: device.code },
    });
    assert.equal((await problemOf(bind, 409)).code, 'device_bound_elsewhere');

    const filedClaim = await filed(claimant, device);
    await t.test('the claim is filed with its files', () => {
      assert.equal(filedClaim.stage, 'waiting_for_owner');
      assert.equal(filedClaim.device.serial, device.serial);
      assert.equal(filedClaim.ownerDeadline - filedClaim.createdAt, 14 * DAY);
      assert.deepEqual(
        filedClaim.files.map((f) => [f.kind, f.mediaType, f.size]),
        [
          ['label_photo', 'image/jpeg', JPEG.length],
          ['proof_of_purchase', 'application/pdf', PDF.length],
        ],
      );
    });

    await t.test('the owner is told by inbox and email, and sees the claim without its files', async () => {
      const told = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'device_claimed');
      assert.equal(told.length, 1);
      assert.match(told[0]!.body, /flea market/);
      assert.equal(JSON.parse(told[0]!.data).claimId, filedClaim.id);
      const mail = (await mailTo(h(), owner.email)).filter((m) => /is theirs/.test(m.subject ?? ''));
      assert.equal(mail.length, 1);

      const ownerList = await ok(api(h(), owner.token).GET('/api/claims'), 200);
      const received = ownerList.received[0]!;
      assert.equal(received.id, filedClaim.id);
      assert.equal(received.claimant.displayName, 'Carl Claimant');
      assert.equal(received.canRelease, true);
      // The owner never gets the evidence files.
      assert.equal((received as Record<string, unknown>).files, undefined);
    });

    await t.test('the claimant may not file twice, and never sees the owner', async () => {
      await ok(asClaimant(claimant).GET('/api/claims'), 200);
      await ok(asClaimant(claimant).GET('/api/claims/{id}', claim(filedClaim.id)), 200);
      assert.equal((await problemOf(file(claimant, device), 409)).code, 'claim_exists');
      assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
    });
  });

  test('the verification code is checked and guesses are throttled like binding', async () => {
    const { claimant, device } = await world();
    for (let i = 0; i < 5; i += 1) {
      const wrong = file(claimant, { serial: device.serial, code: 'WRONG1' });
      assert.equal((await problemOf(wrong, 400)).code, 'wrong_code');
    }
    await problemOf(file(claimant, device), 429);
    const unknown = file(claimant, { serial: 'NO-SUCH-SERIAL', code: 'ABC123' });
    assert.equal((await problemOf(unknown, 404)).code, 'unknown_serial');
    const count = await h()
      .runtime.ctx.db.selectFrom('ownership_claims')
      .selectAll()
      .where('claimant_account_id', '=', claimant.id)
      .execute();
    assert.equal(count.length, 0);
  });

  test('a device nobody owns, or my own, cannot be claimed', async () => {
    const claimant = await signUp(h(), 'Free Finder');
    const free = await registerDevice(h());
    assert.equal((await problemOf(file(claimant, free), 409)).code, 'device_not_bound');
    const mine = await ownDevice(h(), claimant);
    assert.equal((await problemOf(file(claimant, mine), 409)).code, 'device_already_yours');
  });

  test('bad files are refused with a 4xx and nothing is stored: too big, wrong magic bytes, too many, missing', async () => {
    const { claimant, device } = await world();
    const before = await h().runtime.ctx.db.selectFrom('ownership_claims').selectAll().execute();
    const big = Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = file(claimant, device, { files: evidence(big) });
    assert.equal((await problemOf(tooBig, 413)).code, 'file_too_large');
    // A GIF named label.jpg: the declared name and type are not trusted, the first bytes are.
    const p = await problemOf(file(claimant, device, { files: evidence(GIF) }), 400);
    assert.equal(p.code, 'file_type_not_allowed');
    assert.equal(p.field, 'files/0');
    // A PDF is a proof of purchase, not a photo of the label.
    assert.equal(
      (await problemOf(file(claimant, device, { files: evidence(PDF) }), 400)).code,
      'file_type_not_allowed',
    );
    const five: ClaimBody['files'] = [
      ...evidence(),
      ...evidence(),
      { kind: 'proof_of_purchase', name: 'p.png', data: PNG.toString('base64') },
    ];
    await problemOf(file(claimant, device, { files: five }), 400);
    const noProof = file(claimant, device, { files: evidence().slice(0, 1) });
    assert.equal((await problemOf(noProof, 400)).code, 'proof_missing');
    const notBase64 = file(claimant, device, {
      files: [{ kind: 'label_photo', name: 'x.jpg', data: '*not base64*' }, evidence()[1]!],
    });
    assert.equal((await problemOf(notBase64, 400)).code, 'file_not_base64');
    // A body beyond the route's limit is cut off before it is read.
    const huge = 'A'.repeat(17 * 1024 * 1024);
    const cut = file(claimant, device, { files: [{ kind: 'label_photo', name: 'x.jpg', data: huge }] });
    await problemOf(cut, 413);
    const after = await h().runtime.ctx.db.selectFrom('ownership_claims').selectAll().execute();
    assert.equal(after.length, before.length);
    // None of those spent a guess: the right code still works at once.
    assert.equal(await statusOf(file(claimant, device)), 201);
  });

  test('the owner releases: shares end, the device is held for the claimant, who binds it', async (t) => {
    const { owner, claimant, device } = await world('Rhea Releaser');
    const asOwner = api(h(), owner.token);
    const onDevice = { params: { path: { id: device.id } } };
    const friend = await signUp(h(), 'Friend');
    await ok(
      asOwner.POST('/api/devices/{id}/shares', {
        ...onDevice,
        body: { recipient: { email: friend.email }, scope: 'device', permissions: ['live_view'] },
      }),
      201,
    );
    await asOwner.PATCH('/api/devices/{id}', { ...onDevice, body: { name: 'Garden' } });
    const filedClaim = await filed(claimant, device);
    const path = claim(filedClaim.id);

    await t.test('only the owner may release', async () => {
      const byClaimant = asClaimant(claimant).POST('/api/claims/{id}/release', path);
      assert.equal((await problemOf(byClaimant, 403)).code, 'claim_owner_only');
      const stranger = await signUp(h(), 'Stranger');
      await problemOf(api(h(), stranger.token).POST('/api/claims/{id}/release', path), 404);
    });

    await t.test('the owner releases: the device and its shares end, everyone is told, all audited', async () => {
      const released = await ok(asOwner.POST('/api/claims/{id}/release', path), 200);
      assert.equal(released.stage, 'released');
      await problemOf(asOwner.GET('/api/devices/{id}', onDevice), 404);
      const friendHome = await ok(api(h(), friend.token).GET('/api/devices'), 200);
      assert.ok(!JSON.stringify(friendHome).includes(device.id), 'the share ended with the release');
      assert.ok((await inboxOf(h(), friend.id)).some((m) => m.kind === 'share_revoked'));
      assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_released'));
      const audit = await auditOf(h(), device.id);
      assert.ok(audit.some((e) => e.action === 'device.unbound' && e.after.reason === 'claim_released'));
      assert.ok(audit.some((e) => e.action === 'claim.released' && e.actor_account_id === owner.id));
    });

    await t.test('held for the claimant: nobody else, not even the former owner, can bind it now', async () => {
      const label = { body: { serial: device.serial, verificationCode: device.code } };
      const rebind = asOwner.POST('/api/devices/bind', label);
      assert.equal((await problemOf(rebind, 409)).code, 'device_bound_elsewhere');
      const bound = await ok(asClaimant(claimant).POST('/api/devices/bind', label), 201);
      assert.equal(bound.name, 'Acusense Bullet', 'the former owner’s name for it is gone');
      const done = await ok(asClaimant(claimant).GET('/api/claims/{id}', path), 200);
      assert.equal(done.stage, 'completed');
      await ok(asClaimant(claimant).GET('/api/devices/{id}/audit', onDevice), 200);
      assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
    });
  });

  test('after the owner’s days an operator reviews and transfers; before that the operator must wait', async (t) => {
    const { owner, claimant, device } = await world('Ignatius Ignorer');
    const operator = await signUpOperator(h(), 'Olive Operator');
    const asOperator = api(h(), operator.token);
    const onDevice = { params: { path: { id: device.id } } };
    const filedClaim = await filed(claimant, device);
    const path = claim(filedClaim.id);
    const labelPhoto = { params: { path: { id: filedClaim.id, fileId: filedClaim.files[0]!.id } } };

    await t.test('during the owner’s days the operator must wait and does not see the claim', async () => {
      const early = asOperator.POST('/api/admin/claims/{id}/transfer', { ...path, body: {} });
      assert.equal((await problemOf(early, 409)).code, 'claim_owner_time');
      const queue0 = await ok(asOperator.GET('/api/admin/claims'), 200);
      assert.ok(!queue0.some((c) => c.id === filedClaim.id));
    });

    await t.test('after them the operator reviews the claim and its files; nobody else may', async () => {
      h().clock.advance(14 * DAY);
      const mine = await ok(asClaimant(claimant).GET('/api/claims/{id}', path), 200);
      assert.equal(mine.stage, 'under_review');
      const queue = await ok(asOperator.GET('/api/admin/claims'), 200);
      const listed = queue.find((c) => c.id === filedClaim.id)!;
      assert.equal(listed.ownerAtFiling?.id, owner.id);
      assert.equal(listed.claimant.id, claimant.id);
      assert.equal(listed.reviewable, true);

      const fileRes = await asOperator.GET('/api/admin/claims/{id}/files/{fileId}', {
        ...labelPhoto,
        parseAs: 'arrayBuffer',
      });
      assert.equal(fileRes.response.status, 200);
      assert.equal(fileRes.response.headers.get('content-type'), 'image/jpeg');
      assert.match(String(fileRes.response.headers.get('content-disposition')), /^attachment/);
      assert.deepEqual(Buffer.from(fileRes.data!), JPEG);
      for (const who of [owner, claimant]) {
        const denied = api(h(), who.token).GET('/api/admin/claims/{id}/files/{fileId}', labelPhoto);
        assert.equal((await problemOf(denied, 403)).code, 'operator_only');
      }
    });

    await t.test('the operator transfers: the claimant owns it, both are told, audited; once only', async () => {
      const moved = await ok(
        asOperator.POST('/api/admin/claims/{id}/transfer', { ...path, body: { note: 'Receipt matches the serial.' } }),
        200,
      );
      assert.equal(moved.stage, 'transferred');
      await problemOf(api(h(), owner.token).GET('/api/devices/{id}', onDevice), 404);
      assert.equal(await statusOf(asClaimant(claimant).GET('/api/devices/{id}', onDevice)), 200);
      assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'claim_transferred_away'));
      assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_transferred'));
      const audit = await auditOf(h(), device.id);
      const entry = audit.find((e) => e.action === 'claim.transferred')!;
      assert.equal(entry.actor_account_id, operator.id);
      assert.equal(entry.before.ownerAccountId, owner.id);
      assert.equal(entry.after.ownerAccountId, claimant.id);
      // The new owner's history starts after the transfer: the previous owner is not in it.
      await ok(asClaimant(claimant).GET('/api/devices/{id}/audit', onDevice), 200);
      await ok(asClaimant(claimant).GET('/api/claims'), 200);
      const twice = asOperator.POST('/api/admin/claims/{id}/transfer', { ...path, body: {} });
      assert.equal((await problemOf(twice, 409)).code, 'claim_closed');
      assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
    });
  });

  test('the owner rejects: review at once; the operator dismisses and the owner keeps the device', async () => {
    const { owner, claimant, device } = await world('Kees Keeper');
    const operator = await signUpOperator(h(), 'Otto Operator');
    const asOwner = api(h(), owner.token);
    const asOperator = api(h(), operator.token);
    const filedClaim = await filed(claimant, device);
    const path = claim(filedClaim.id);
    const rejected = await ok(asOwner.POST('/api/claims/{id}/reject', path), 200);
    assert.equal(rejected.stage, 'under_review');
    assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_under_review'));
    assert.ok((await inboxOf(h(), operator.id)).some((m) => m.kind === 'claim_review'));
    const queue = await ok(asOperator.GET('/api/admin/claims'), 200);
    assert.ok(queue.some((c) => c.id === filedClaim.id));

    // A dismissal without a note is refused: the body is sent as a client that skipped the form would.
    const noNote = asOperator.POST('/api/admin/claims/{id}/dismiss', {
      ...path,
      body: {} as RequestOf<'dismissClaim'>,
    });
    await problemOf(noNote, 400);
    const dismissed = await ok(
      asOperator.POST('/api/admin/claims/{id}/dismiss', {
        ...path,
        body: { note: 'The receipt is for another serial number.' },
      }),
      200,
    );
    assert.equal(dismissed.stage, 'dismissed');
    assert.equal(await statusOf(asOwner.GET('/api/devices/{id}', { params: { path: { id: device.id } } })), 200);
    const told = (await inboxOf(h(), claimant.id)).find((m) => m.kind === 'claim_dismissed')!;
    assert.match(told.body, /another serial number/);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'claim_closed'));
    assert.ok(
      (await auditOf(h(), device.id)).some((e) => e.action === 'claim.dismissed' && e.actor_account_id === operator.id),
    );
    const late = asOwner.POST('/api/claims/{id}/release', path);
    assert.equal((await problemOf(late, 409)).code, 'claim_closed');
    await ok(asClaimant(claimant).GET('/api/claims/{id}', path), 200);
    assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
  });

  test('operator routes refuse everyone else; claims refuse outsiders', async () => {
    const { owner, claimant, device } = await world();
    const filedClaim = await filed(claimant, device);
    const path = claim(filedClaim.id);
    const stranger = await signUp(h(), 'Nosy');
    for (const who of [owner, claimant, stranger]) {
      const as = api(h(), who.token);
      for (const call of [() => as.GET('/api/admin/claims'), () => as.GET('/api/admin/claims/{id}', path)])
        assert.equal((await problemOf(call(), 403)).code, 'operator_only');
    }
    const asStranger = api(h(), stranger.token);
    await problemOf(asStranger.GET('/api/claims/{id}', path), 404);
    await problemOf(asStranger.POST('/api/claims/{id}/reject', path), 404);
    assert.deepEqual(await ok(asStranger.GET('/api/claims'), 200), { filed: [], received: [] });
  });

  test('two answers at once: one release wins; two operator transfers at once: one wins', async () => {
    const { owner, claimant, device } = await world('Concurrent Owner');
    const path = claim((await filed(claimant, device)).id);
    const releases = await Promise.all(
      [1, 2].map(() => statusOf(api(h(), owner.token).POST('/api/claims/{id}/release', path))),
    );
    assert.deepEqual(releases.sort(), [200, 409]);
    const unbound = (await auditOf(h(), device.id)).filter((e) => e.action === 'device.unbound');
    assert.equal(unbound.length, 1);

    const second = await world('Second Owner');
    const operator = await signUpOperator(h(), 'Race Operator');
    const path2 = claim((await filed(second.claimant, second.device)).id);
    await ok(api(h(), second.owner.token).POST('/api/claims/{id}/reject', path2), 200);
    const transfers = await Promise.all(
      [1, 2].map(() =>
        statusOf(api(h(), operator.token).POST('/api/admin/claims/{id}/transfer', { ...path2, body: {} })),
      ),
    );
    assert.deepEqual(transfers.sort(), [200, 409]);
    const moved = (await auditOf(h(), second.device.id)).filter((e) => e.action === 'claim.transferred');
    assert.equal(moved.length, 1);
  });
});
