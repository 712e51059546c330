// Ownership claims: the person holding a device bound to someone else files a claim; the owner is told and
// releases or rejects it; after the owner's time (or a rejection) an operator transfers or dismisses it. The
// claimant never learns who the owner is: every answer, notice and mail they get is checked for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { ownDevice, registerDevice, signUpOperator } from '../helpers/devices.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import { auditOf, inboxOf, mailTo } from '../helpers/sharing.ts';

const DAY = 24 * 60 * 60 * 1000;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF label photo')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('png body')]);
const PDF = Buffer.from('%PDF-1.4\n% receipt from the shop\n%%EOF\n');
const GIF = Buffer.from('GIF89a not a jpeg at all');

function evidence(label: Buffer = JPEG, proof: Buffer = PDF) {
  return [
    { kind: 'label_photo', name: 'label.jpg', data: label.toString('base64') },
    { kind: 'proof_of_purchase', name: 'receipt.pdf', data: proof.toString('base64') },
  ];
}

describeEachDatabase('ownership claims', (h) => {
  /** Everything the claimant was ever answered or sent, to look for the owner in. */
  const seenByClaimant: string[] = [];
  async function asClaimant(p: Person, req: Parameters<Harness['request']>[0]) {
    const res = await h().request({ ...req, token: p.token });
    seenByClaimant.push(res.body);
    return res;
  }

  async function world(ownerName = 'Olga Ownerova') {
    const owner = await signUp(h(), ownerName);
    const claimant = await signUp(h(), 'Carl Claimant');
    const device = await ownDevice(h(), owner, { kind: 'camera', model: 'Acusense Bullet' });
    return { owner, claimant, device };
  }

  async function file(claimant: Person, device: { serial: string; code: string }, extra: object = {}) {
    return asClaimant(claimant, {
      method: 'POST',
      url: '/api/claims',
      body: {
        serial: device.serial.toLowerCase(),
        verificationCode: device.code,
        message: 'I bought it at a flea market; the seller said it was reset.',
        files: evidence(),
        ...extra,
      },
    });
  }

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

  test('a claim is filed with the label code and files; the owner is told by inbox and email; the claimant sees no owner', async () => {
    const { owner, claimant, device } = await world();
    const bind = await asClaimant(claimant, {
      method: 'POST',
      url: '/api/devices/bind',
      body: { serial: device.serial, verificationCode: device.code },
    });
    assert.equal(assertProblem(bind, 409).code, 'device_bound_elsewhere');

    const res = await file(claimant, device);
    assert.equal(res.statusCode, 201, res.body);
    const claim = res.json();
    assert.equal(claim.stage, 'waiting_for_owner');
    assert.equal(claim.device.serial, device.serial);
    assert.equal(claim.ownerDeadline - claim.createdAt, 14 * DAY);
    assert.deepEqual(
      claim.files.map((f: { kind: string; mediaType: string; size: number }) => [f.kind, f.mediaType, f.size]),
      [
        ['label_photo', 'image/jpeg', JPEG.length],
        ['proof_of_purchase', 'application/pdf', PDF.length],
      ],
    );

    const told = (await inboxOf(h(), owner.id)).filter((m) => m.kind === 'device_claimed');
    assert.equal(told.length, 1);
    assert.match(told[0]!.body, /flea market/);
    assert.equal(JSON.parse(told[0]!.data).claimId, claim.id);
    const mail = (await mailTo(h(), owner.email)).filter((m) => /is theirs/.test(m.subject ?? ''));
    assert.equal(mail.length, 1);

    const ownerList = await h().request({ method: 'GET', url: '/api/claims', token: owner.token });
    assert.equal(ownerList.json().received[0].id, claim.id);
    assert.equal(ownerList.json().received[0].claimant.displayName, 'Carl Claimant');
    assert.equal(ownerList.json().received[0].canRelease, true);
    // The owner never gets the evidence files.
    assert.equal(ownerList.json().received[0].files, undefined);

    await asClaimant(claimant, { method: 'GET', url: '/api/claims' });
    await asClaimant(claimant, { method: 'GET', url: `/api/claims/${claim.id}` });
    const again = await file(claimant, device);
    assert.equal(assertProblem(again, 409).code, 'claim_exists');
    assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
  });

  test('the verification code is checked and guesses are throttled like binding', async () => {
    const { claimant, device } = await world();
    for (let i = 0; i < 5; i += 1) {
      const wrong = await file(claimant, { serial: device.serial, code: 'WRONG1' });
      assert.equal(assertProblem(wrong, 400).code, 'wrong_code');
    }
    const blocked = await file(claimant, device);
    assertProblem(blocked, 429);
    const unknown = await file(claimant, { serial: 'NO-SUCH-SERIAL', code: 'ABC123' });
    assert.equal(assertProblem(unknown, 404).code, 'unknown_serial');
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
    assert.equal(assertProblem(await file(claimant, free), 409).code, 'device_not_bound');
    const mine = await ownDevice(h(), claimant);
    assert.equal(assertProblem(await file(claimant, mine), 409).code, 'device_already_yours');
  });

  test('bad files are refused with a 4xx and nothing is stored: too big, wrong magic bytes, too many, missing', async () => {
    const { claimant, device } = await world();
    const before = await h().runtime.ctx.db.selectFrom('ownership_claims').selectAll().execute();
    const big = Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await file(claimant, device, { files: evidence(big) });
    assert.equal(assertProblem(tooBig, 413).code, 'file_too_large');
    // A GIF named label.jpg: the declared name and type are not trusted, the first bytes are.
    const gif = await file(claimant, device, { files: evidence(GIF) });
    const p = assertProblem(gif, 400);
    assert.equal(p.code, 'file_type_not_allowed');
    assert.equal(p.field, 'files/0');
    // A PDF is a proof of purchase, not a photo of the label.
    assert.equal(
      assertProblem(await file(claimant, device, { files: evidence(PDF) }), 400).code,
      'file_type_not_allowed',
    );
    const five = [
      ...evidence(),
      ...evidence(),
      { kind: 'proof_of_purchase', name: 'p.png', data: PNG.toString('base64') },
    ];
    assertProblem(await file(claimant, device, { files: five }), 400);
    const noProof = await file(claimant, device, { files: evidence().slice(0, 1) });
    assert.equal(assertProblem(noProof, 400).code, 'proof_missing');
    const notBase64 = await file(claimant, device, {
      files: [{ kind: 'label_photo', name: 'x.jpg', data: '*not base64*' }, evidence()[1]],
    });
    assert.equal(assertProblem(notBase64, 400).code, 'file_not_base64');
    // A body beyond the route's limit is cut off before it is read.
    const huge = 'A'.repeat(17 * 1024 * 1024);
    const cut = await file(claimant, device, { files: [{ kind: 'label_photo', name: 'x.jpg', data: huge }] });
    assertProblem(cut, 413);
    const after = await h().runtime.ctx.db.selectFrom('ownership_claims').selectAll().execute();
    assert.equal(after.length, before.length);
    // None of those spent a guess: the right code still works at once.
    assert.equal((await file(claimant, device)).statusCode, 201);
  });

  test('the owner releases: shares end, the device is held for the claimant, who binds it', async () => {
    const { owner, claimant, device } = await world('Rhea Releaser');
    const friend = await signUp(h(), 'Friend');
    const share = await h().request({
      method: 'POST',
      url: `/api/devices/${device.id}/shares`,
      token: owner.token,
      body: { recipient: { email: friend.email }, scope: 'device', permissions: ['live_view'] },
    });
    assert.equal(share.statusCode, 201, share.body);
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${device.id}`,
      token: owner.token,
      body: { name: 'Garden' },
    });
    const claim = (await file(claimant, device)).json();

    const byClaimant = await asClaimant(claimant, { method: 'POST', url: `/api/claims/${claim.id}/release` });
    assert.equal(assertProblem(byClaimant, 403).code, 'claim_owner_only');
    const stranger = await signUp(h(), 'Stranger');
    assertProblem(
      await h().request({ method: 'POST', url: `/api/claims/${claim.id}/release`, token: stranger.token }),
      404,
    );

    const released = await h().request({ method: 'POST', url: `/api/claims/${claim.id}/release`, token: owner.token });
    assert.equal(released.statusCode, 200, released.body);
    assert.equal(released.json().stage, 'released');
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${device.id}`, token: owner.token }), 404);
    const friendHome = await h().request({ method: 'GET', url: '/api/devices', token: friend.token });
    assert.ok(!friendHome.body.includes(device.id), 'the share ended with the release');
    assert.ok((await inboxOf(h(), friend.id)).some((m) => m.kind === 'share_revoked'));
    assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_released'));
    const audit = await auditOf(h(), device.id);
    assert.ok(audit.some((e) => e.action === 'device.unbound' && e.after.reason === 'claim_released'));
    assert.ok(audit.some((e) => e.action === 'claim.released' && e.actor_account_id === owner.id));

    // Held for the claimant: nobody else, not even the former owner, can bind it now.
    const rebind = await h().request({
      method: 'POST',
      url: '/api/devices/bind',
      token: owner.token,
      body: { serial: device.serial, verificationCode: device.code },
    });
    assert.equal(assertProblem(rebind, 409).code, 'device_bound_elsewhere');
    const bound = await asClaimant(claimant, {
      method: 'POST',
      url: '/api/devices/bind',
      body: { serial: device.serial, verificationCode: device.code },
    });
    assert.equal(bound.statusCode, 201, bound.body);
    assert.equal(bound.json().name, 'Acusense Bullet', 'the former owner’s name for it is gone');
    const done = await asClaimant(claimant, { method: 'GET', url: `/api/claims/${claim.id}` });
    assert.equal(done.json().stage, 'completed');
    await asClaimant(claimant, { method: 'GET', url: `/api/devices/${device.id}/audit` });
    assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
  });

  test('after the owner’s days an operator reviews and transfers; before that the operator must wait', async () => {
    const { owner, claimant, device } = await world('Ignatius Ignorer');
    const operator = await signUpOperator(h(), 'Olive Operator');
    const claim = (await file(claimant, device)).json();

    const early = await h().request({
      method: 'POST',
      url: `/api/admin/claims/${claim.id}/transfer`,
      token: operator.token,
      body: {},
    });
    assert.equal(assertProblem(early, 409).code, 'claim_owner_time');
    const queue0 = await h().request({ method: 'GET', url: '/api/admin/claims', token: operator.token });
    assert.ok(!queue0.json().some((c: { id: string }) => c.id === claim.id));

    h().clock.advance(14 * DAY);
    const mine = await asClaimant(claimant, { method: 'GET', url: `/api/claims/${claim.id}` });
    assert.equal(mine.json().stage, 'under_review');
    const queue = await h().request({ method: 'GET', url: '/api/admin/claims', token: operator.token });
    const listed = queue.json().find((c: { id: string }) => c.id === claim.id);
    assert.equal(listed.ownerAtFiling.id, owner.id);
    assert.equal(listed.claimant.id, claimant.id);
    assert.equal(listed.reviewable, true);

    const fileRes = await h().request({
      method: 'GET',
      url: `/api/admin/claims/${claim.id}/files/${claim.files[0].id}`,
      token: operator.token,
    });
    assert.equal(fileRes.statusCode, 200);
    assert.equal(fileRes.headers['content-type'], 'image/jpeg');
    assert.match(String(fileRes.headers['content-disposition']), /^attachment/);
    assert.deepEqual(fileRes.rawPayload, JPEG);
    for (const who of [owner, claimant]) {
      const denied = await h().request({
        method: 'GET',
        url: `/api/admin/claims/${claim.id}/files/${claim.files[0].id}`,
        token: who.token,
      });
      assert.equal(assertProblem(denied, 403).code, 'operator_only');
    }

    const moved = await h().request({
      method: 'POST',
      url: `/api/admin/claims/${claim.id}/transfer`,
      token: operator.token,
      body: { note: 'Receipt matches the serial.' },
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().stage, 'transferred');
    assertProblem(await h().request({ method: 'GET', url: `/api/devices/${device.id}`, token: owner.token }), 404);
    const now = await asClaimant(claimant, { method: 'GET', url: `/api/devices/${device.id}` });
    assert.equal(now.statusCode, 200);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'claim_transferred_away'));
    assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_transferred'));
    const audit = await auditOf(h(), device.id);
    const entry = audit.find((e) => e.action === 'claim.transferred')!;
    assert.equal(entry.actor_account_id, operator.id);
    assert.equal(entry.before.ownerAccountId, owner.id);
    assert.equal(entry.after.ownerAccountId, claimant.id);
    // The new owner's history starts after the transfer: the previous owner is not in it.
    await asClaimant(claimant, { method: 'GET', url: `/api/devices/${device.id}/audit` });
    await asClaimant(claimant, { method: 'GET', url: '/api/claims' });
    const twice = await h().request({
      method: 'POST',
      url: `/api/admin/claims/${claim.id}/transfer`,
      token: operator.token,
      body: {},
    });
    assert.equal(assertProblem(twice, 409).code, 'claim_closed');
    assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
  });

  test('the owner rejects: review at once; the operator dismisses and the owner keeps the device', async () => {
    const { owner, claimant, device } = await world('Kees Keeper');
    const operator = await signUpOperator(h(), 'Otto Operator');
    const claim = (await file(claimant, device)).json();
    const rejected = await h().request({ method: 'POST', url: `/api/claims/${claim.id}/reject`, token: owner.token });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.equal(rejected.json().stage, 'under_review');
    assert.ok((await inboxOf(h(), claimant.id)).some((m) => m.kind === 'claim_under_review'));
    assert.ok((await inboxOf(h(), operator.id)).some((m) => m.kind === 'claim_review'));
    const queue = await h().request({ method: 'GET', url: '/api/admin/claims', token: operator.token });
    assert.ok(queue.json().some((c: { id: string }) => c.id === claim.id));

    const noNote = await h().request({
      method: 'POST',
      url: `/api/admin/claims/${claim.id}/dismiss`,
      token: operator.token,
      body: {},
    });
    assertProblem(noNote, 400);
    const dismissed = await h().request({
      method: 'POST',
      url: `/api/admin/claims/${claim.id}/dismiss`,
      token: operator.token,
      body: { note: 'The receipt is for another serial number.' },
    });
    assert.equal(dismissed.statusCode, 200, dismissed.body);
    assert.equal(dismissed.json().stage, 'dismissed');
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/devices/${device.id}`, token: owner.token })).statusCode,
      200,
    );
    const told = (await inboxOf(h(), claimant.id)).find((m) => m.kind === 'claim_dismissed')!;
    assert.match(told.body, /another serial number/);
    assert.ok((await inboxOf(h(), owner.id)).some((m) => m.kind === 'claim_closed'));
    assert.ok(
      (await auditOf(h(), device.id)).some((e) => e.action === 'claim.dismissed' && e.actor_account_id === operator.id),
    );
    const late = await h().request({ method: 'POST', url: `/api/claims/${claim.id}/release`, token: owner.token });
    assert.equal(assertProblem(late, 409).code, 'claim_closed');
    await asClaimant(claimant, { method: 'GET', url: `/api/claims/${claim.id}` });
    assertNoOwnerIn(owner, [...seenByClaimant, ...(await claimantMailAndInbox(claimant))]);
  });

  test('operator routes refuse everyone else; claims refuse outsiders', async () => {
    const { owner, claimant, device } = await world();
    const claim = (await file(claimant, device)).json();
    const stranger = await signUp(h(), 'Nosy');
    for (const url of ['/api/admin/claims', `/api/admin/claims/${claim.id}`]) {
      for (const who of [owner, claimant, stranger])
        assert.equal(
          assertProblem(await h().request({ method: 'GET', url, token: who.token }), 403).code,
          'operator_only',
        );
    }
    assertProblem(await h().request({ method: 'GET', url: `/api/claims/${claim.id}`, token: stranger.token }), 404);
    assertProblem(
      await h().request({ method: 'POST', url: `/api/claims/${claim.id}/reject`, token: stranger.token }),
      404,
    );
    const list = await h().request({ method: 'GET', url: '/api/claims', token: stranger.token });
    assert.deepEqual(list.json(), { filed: [], received: [] });
  });

  test('two answers at once: one release wins; two operator transfers at once: one wins', async () => {
    const { owner, claimant, device } = await world('Concurrent Owner');
    const claim = (await file(claimant, device)).json();
    const releases = await Promise.all(
      [1, 2].map(() => h().request({ method: 'POST', url: `/api/claims/${claim.id}/release`, token: owner.token })),
    );
    assert.deepEqual(releases.map((r) => r.statusCode).sort(), [200, 409]);
    const unbound = (await auditOf(h(), device.id)).filter((e) => e.action === 'device.unbound');
    assert.equal(unbound.length, 1);

    const second = await world('Second Owner');
    const operator = await signUpOperator(h(), 'Race Operator');
    const claim2 = (await file(second.claimant, second.device)).json();
    await h().request({ method: 'POST', url: `/api/claims/${claim2.id}/reject`, token: second.owner.token });
    const transfers = await Promise.all(
      [1, 2].map(() =>
        h().request({
          method: 'POST',
          url: `/api/admin/claims/${claim2.id}/transfer`,
          token: operator.token,
          body: {},
        }),
      ),
    );
    assert.deepEqual(transfers.map((r) => r.statusCode).sort(), [200, 409]);
    const moved = (await auditOf(h(), second.device.id)).filter((e) => e.action === 'claim.transferred');
    assert.equal(moved.length, 1);
  });
});
