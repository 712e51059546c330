// Access everyone can see and understand (issue 17): people on a camera seeing each other, change previews that
// match what the change then does, and refused attempts grouped in the audit with the owner's notice choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp, type Person } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { addSiteDevices, createOrg, createSite, inbox, verifiedPerson } from '../helpers/installer.ts';
import { readFacts } from '../../src/persistence/repositories/fact-loader.ts';
import { diffAccess } from '../../src/domain/access-diff.ts';
import { deniedAttempts } from '../../src/services/denied-attempts.ts';

const HOUR = 3_600_000;

async function factsOf(h: Harness, deviceIds: string[]) {
  const out = new Map<string, unknown>();
  for (const id of deviceIds) out.set(id, await readFacts(h.runtime.ctx.db, h.engine, id));
  return out;
}

type Change = { deviceId: string; subject: { type: string; id: string }; change: string; permissions: string[] };

/** The preview's structured changes without the words, sorted, for comparing with what really changed. */
const bare = (cs: Change[]) =>
  cs
    .map((c) =>
      JSON.stringify([c.deviceId, c.subject, c.change, c.permissions, (c as { channels?: unknown }).channels]),
    )
    .sort();

/**
 * Previews a change, checks the preview changed nothing, makes the change, and checks the preview said exactly
 * what changed (the diff of the facts read before and after the real change).
 */
async function previewMatches(
  h: Harness,
  actor: Person,
  preview: Record<string, unknown>,
  apply: { method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown },
  deviceIds: string[],
): Promise<{ sentences: string[]; changes: Change[] }> {
  const before = await factsOf(h, deviceIds);
  const audit = await h.runtime.ctx.db.selectFrom('audit_events').select('id').execute();
  const res = await h.request({ method: 'POST', url: '/api/previews', token: actor.token, body: preview });
  assert.equal(res.statusCode, 200, res.body);
  const p = res.json() as { sentences: string[]; changes: Change[] };
  // Nothing happened: same facts, no audit row, no inbox message.
  assert.deepEqual(await factsOf(h, deviceIds), before);
  assert.equal((await h.runtime.ctx.db.selectFrom('audit_events').select('id').execute()).length, audit.length);
  const applied = await h.request({ ...apply, token: actor.token });
  assert.ok(applied.statusCode < 300, applied.body);
  const after = await factsOf(h, deviceIds);
  const real = deviceIds.flatMap((id) =>
    diffAccess(id, before.get(id) as never, after.get(id) as never, h.clock.now()),
  );
  assert.deepEqual(bare(p.changes), bare(real as Change[]));
  assert.ok(p.changes.length > 0 || p.sentences.length === 1);
  return p;
}

describeEachDatabase('household visibility, change previews, refused attempts', (h) => {
  test('people on a camera see each other only when the owner turns it on; names only; outsiders 404', async () => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const bo = await signUp(h(), 'Bo');
    const zed = await signUp(h(), 'Zed');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    await seedShare(h().runtime, dev.id, owner.id, sam.id, { channels: [1, 2] });
    await seedShare(h().runtime, dev.id, owner.id, bo.id, { channels: [2, 3], permissions: ['live_view', 'playback'] });
    await seedShare(h().runtime, dev.id, owner.id, zed.id, { channels: [4] });
    const url = `/api/devices/${dev.id}/household`;

    const hidden = assertProblem(await h().request({ method: 'GET', url, token: sam.token }), 403);
    assert.equal(hidden.code, 'household_hidden');
    assertProblem(await h().request({ method: 'GET', url, token: stranger.token }), 404);
    // Only the owner may switch it on; a recipient and a stranger are refused and nothing changes.
    const vis = `/api/devices/${dev.id}/visibility`;
    assertProblem(
      await h().request({ method: 'PATCH', url: vis, token: sam.token, body: { householdVisible: true } }),
      404,
    );
    assertProblem(
      await h().request({ method: 'PATCH', url: vis, token: stranger.token, body: { householdVisible: true } }),
      404,
    );
    assertProblem(await h().request({ method: 'GET', url, token: sam.token }), 403);
    const on = await h().request({ method: 'PATCH', url: vis, token: owner.token, body: { householdVisible: true } });
    assert.equal(on.statusCode, 200, on.body);
    assert.deepEqual(on.json(), { householdVisible: true, notifyDenied: false });

    const seen = await h().request({ method: 'GET', url, token: sam.token });
    assert.equal(seen.statusCode, 200, seen.body);
    const body = seen.json();
    assert.deepEqual(
      body.channels.map((c: { number: number }) => c.number),
      [1, 2],
    );
    assert.deepEqual(body.people, [
      { name: 'Olivia', kind: 'owner', permissions: ['live_view', 'playback'], channels: [1, 2] },
      { name: 'Bo', kind: 'recipient', permissions: ['live_view', 'playback'], channels: [2] },
    ]);
    // Names only: no address, no account id of anyone.
    assert.ok(!seen.body.includes('@') && !seen.body.includes(bo.id) && !seen.body.includes(owner.id));
    assertProblem(await h().request({ method: 'GET', url, token: stranger.token }), 404);
    // Zed's channel overlaps nobody's but the owner's.
    const z = await h().request({ method: 'GET', url, token: zed.token });
    assert.deepEqual(
      z.json().people.map((p: { name: string }) => p.name),
      ['Olivia'],
    );
    // Installers with live view appear to those they overlap.
    const tech = await signUp(h(), 'Tech');
    const org = await seedOrg(h().runtime, [tech.id]);
    await seedAuthorization(h().runtime, dev.id, org, owner.id, [{ permission: 'live_view' }]);
    const withOrg = await h().request({ method: 'GET', url, token: sam.token });
    assert.ok(withOrg.json().people.some((p: { kind: string }) => p.kind === 'installer'));
    // Off again: the recipient is refused once more.
    await h().request({ method: 'PATCH', url: vis, token: owner.token, body: { householdVisible: false } });
    assertProblem(await h().request({ method: 'GET', url, token: sam.token }), 403);
  });

  test('previews of editing, revoking and bulk sharing say exactly what the change then does', async () => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const bo = await signUp(h(), 'Bo');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    const dev2 = await seedDevice(h().runtime, owner.id, 1);
    const shareId = await seedShare(h().runtime, dev.id, owner.id, sam.id, {
      channels: [1, 2],
      permissions: ['live_view', 'playback'],
    });
    const edit = await previewMatches(
      h(),
      owner,
      { kind: 'share.update', shareId, channels: [2, 3], permissions: ['live_view'], language: 'en' },
      { method: 'PATCH', url: `/api/shares/${shareId}`, body: { channels: [2, 3], permissions: ['live_view'] } },
      [dev.id],
    );
    assert.deepEqual(edit.sentences, [
      'Sam gains Live View on "Channel 3" of "Recorder".',
      'Sam loses Live View on "Channel 1" of "Recorder".',
      'Sam loses Playback on "Channel 1" and "Channel 2" of "Recorder".',
    ]);
    // The same in German.
    const de = await h().request({
      method: 'POST',
      url: '/api/previews',
      token: owner.token,
      body: { kind: 'share.revoke', shareId, language: 'de' },
    });
    assert.deepEqual(de.json().sentences, [
      'Sam verliert Live-Ansicht auf "Channel 2" und "Channel 3" von "Recorder".',
    ]);

    const until = h().clock.now() + 5 * HOUR;
    await previewMatches(
      h(),
      owner,
      { kind: 'share.update', shareId, validity: { until } },
      { method: 'PATCH', url: `/api/shares/${shareId}`, body: { validity: { until } } },
      [dev.id],
    );
    const bulk = {
      recipient: { email: bo.email },
      devices: [
        { deviceId: dev.id, scope: 'channels', channels: [4], permissions: ['live_view'] },
        { deviceId: dev2.id, scope: 'device', permissions: ['live_view', 'playback'] },
      ],
    };
    await previewMatches(
      h(),
      owner,
      { kind: 'shares.bulk', ...bulk },
      { method: 'POST', url: '/api/shares/bulk', body: bulk },
      [dev.id, dev2.id],
    );
    const create = { recipient: { email: sam.email }, scope: 'device', permissions: ['live_view'] };
    await previewMatches(
      h(),
      owner,
      { kind: 'share.create', deviceId: dev2.id, ...create },
      { method: 'POST', url: `/api/devices/${dev2.id}/shares`, body: create },
      [dev2.id],
    );
    const revoke = await previewMatches(
      h(),
      owner,
      { kind: 'share.revoke', shareId },
      { method: 'DELETE', url: `/api/shares/${shareId}` },
      [dev.id],
    );
    assert.equal(revoke.changes.length, 1);
    await previewMatches(
      h(),
      owner,
      { kind: 'shares.revoke_all', deviceId: dev2.id },
      { method: 'DELETE', url: `/api/devices/${dev2.id}/shares` },
      [dev2.id],
    );
    await previewMatches(
      h(),
      owner,
      { kind: 'access.revoke_everything', subject: { type: 'account', id: bo.id } },
      { method: 'POST', url: `/api/access-review/accounts/${bo.id}/revoke` },
      [dev.id, dev2.id],
    );
    // Nothing left to lose: one sentence says so.
    const none = await h().request({
      method: 'POST',
      url: '/api/previews',
      token: owner.token,
      body: { kind: 'shares.revoke_all', deviceId: dev2.id },
    });
    assert.equal(none.statusCode, 200, none.body);
    assert.deepEqual(none.json().sentences, ['Nobody gains or loses access.']);
  });

  test('previews of accepting a handover and of editing, withdrawing and cancelling an authorization', async () => {
    const installer = await verifiedPerson(h(), 'Installer');
    const owner = await verifiedPerson(h(), 'Olivia');
    const org = await createOrg(h(), installer);
    const site = await createSite(h(), installer, org.id);
    const devices = await addSiteDevices(h(), installer, site.id, [{}]);
    const devId = devices[0]!.id;
    const keep = [
      { permission: 'live_view', validity: 'permanent' },
      { permission: 'configuration', validity: 'permanent' },
    ];
    const inv = await h().request({
      method: 'POST',
      url: `/api/sites/${site.id}/handover`,
      token: installer.token,
      body: { email: owner.email, devices: [{ deviceId: devId, permissions: keep }] },
    });
    assert.equal(inv.statusCode, 201, inv.body);
    const agree = { devices: [{ deviceId: devId, permissions: ['live_view'] }] };
    const accepted = await previewMatches(
      h(),
      owner,
      { kind: 'handover.accept', invitationId: inv.json().id, ...agree, language: 'en' },
      { method: 'POST', url: `/api/handover-invitations/${inv.json().id}/accept`, body: agree },
      [devId],
    );
    assert.ok(
      accepted.sentences.some((s) => /^You become the owner of /.test(s)),
      accepted.sentences.join(' | '),
    );
    assert.ok(
      accepted.sentences.some((s) => /no longer holds/.test(s)),
      accepted.sentences.join(' | '),
    );
    assert.ok(
      accepted.sentences.some((s) => /loses .*Configuration/.test(s)),
      accepted.sentences.join(' | '),
    );

    const set = {
      permissions: [
        { permission: 'live_view', validity: 'permanent' },
        { permission: 'playback', validity: 'permanent' },
      ],
    };
    const edited = await previewMatches(
      h(),
      owner,
      { kind: 'authorization.set', deviceId: devId, orgId: org.id, ...set },
      { method: 'PUT', url: `/api/devices/${devId}/authorizations/${org.id}`, body: set },
      [devId],
    );
    assert.ok(
      edited.sentences.some((s) => /gains Playback/.test(s)),
      edited.sentences.join(' | '),
    );
    await previewMatches(
      h(),
      owner,
      { kind: 'authorization.withdraw', deviceId: devId, orgId: org.id, permission: 'live_view' },
      { method: 'DELETE', url: `/api/devices/${devId}/authorizations/${org.id}/permissions/live_view` },
      [devId],
    );
    // An outsider's preview is refused like the change itself, and changes nothing.
    const stranger = await signUp(h(), 'Stranger');
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/previews',
        token: stranger.token,
        body: { kind: 'authorization.cancel', deviceId: devId, orgId: org.id },
      }),
      404,
    );
    await previewMatches(
      h(),
      owner,
      { kind: 'authorization.cancel', deviceId: devId, orgId: org.id },
      { method: 'DELETE', url: `/api/devices/${devId}/authorizations/${org.id}` },
      [devId],
    );
  });

  test('refused attempts: grouped per person, reason and ten minutes; the owner told at most hourly if chosen', async () => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    await seedShare(h().runtime, dev.id, owner.id, sam.id, { channels: [1], until: h().clock.now() + HOUR });
    const check = (who: Person, channel = 1) =>
      h().request({
        method: 'POST',
        url: '/api/access/check',
        token: who.token,
        body: { deviceId: dev.id, channel, permission: 'live_view' },
      });
    assert.equal((await check(sam)).json().allowed, true);
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${dev.id}/visibility`,
      token: owner.token,
      body: { notifyDenied: true },
    });
    h().clock.advance(HOUR + 1);
    for (let i = 0; i < 5; i++) assert.equal((await check(sam)).json().reason, 'expired');
    const ticket = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: sam.token,
      body: { deviceId: dev.id, channel: 1, permission: 'live_view' },
    });
    assertProblem(ticket, 403);
    // Channel 2 was never shared: a different reason, its own group. A stranger's attempts are nobody's business.
    assert.equal((await check(sam, 2)).json().reason, 'channel_not_shared');
    for (let i = 0; i < 3; i++) await check(stranger);
    // Nothing is written by the checks themselves.
    assert.equal((await h().runtime.ctx.db.selectFrom('access_denials').selectAll().execute()).length, 0);

    const list = await h().request({
      method: 'GET',
      url: `/api/devices/${dev.id}/denied-attempts`,
      token: owner.token,
    });
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json().items as Array<{ person: { name: string }; reason: string; count: number; via: string }>;
    assert.deepEqual(items.map((i) => [i.person.name, i.reason, i.count]).sort(), [
      ['Sam', 'channel_not_shared', 1],
      ['Sam', 'expired', 6],
    ]);
    let notices = (await inbox(h(), owner)).filter((m) => m.kind === 'access_denied');
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.body, /Sam tried to use/);

    // More attempts in the same ten minutes: the same row counts up; no second notice within the hour.
    h().clock.advance(60_000);
    await check(sam);
    await deniedAttempts(h().runtime.ctx).flush();
    const rows = await h()
      .runtime.ctx.db.selectFrom('access_denials')
      .selectAll()
      .where('reason', '=', 'expired')
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(Number(rows[0]!.count), 7);
    notices = (await inbox(h(), owner)).filter((m) => m.kind === 'access_denied');
    assert.equal(notices.length, 1);
    // Ten minutes on: a new row. An hour on: a new notice.
    h().clock.advance(HOUR);
    await check(sam);
    await deniedAttempts(h().runtime.ctx).flush();
    assert.equal(
      (await h().runtime.ctx.db.selectFrom('access_denials').selectAll().where('reason', '=', 'expired').execute())
        .length,
      2,
    );
    assert.equal((await inbox(h(), owner)).filter((m) => m.kind === 'access_denied').length, 2);
    // Notices off: the audit keeps counting, nobody is told.
    await h().request({
      method: 'PATCH',
      url: `/api/devices/${dev.id}/visibility`,
      token: owner.token,
      body: { notifyDenied: false },
    });
    h().clock.advance(2 * HOUR);
    await check(sam);
    await deniedAttempts(h().runtime.ctx).flush();
    assert.equal((await inbox(h(), owner)).filter((m) => m.kind === 'access_denied').length, 2);
    // Only the owner sees them.
    for (const who of [sam, stranger])
      assertProblem(
        await h().request({ method: 'GET', url: `/api/devices/${dev.id}/denied-attempts`, token: who.token }),
        404,
      );
  });
});
