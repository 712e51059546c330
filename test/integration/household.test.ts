// Access everyone can see and understand (issue 17): people on a camera seeing each other, change previews that
// match what the change then does, and refused attempts grouped in the audit with the owner's notice choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { seedAuthorization, seedDevice, seedOrg, seedShare } from '../helpers/access-world.ts';
import { addSiteDevices, createOrg, createSite, inbox, verifiedPerson } from '../helpers/installer.ts';
import { readFacts } from '../../src/persistence/repositories/fact-loader.ts';
import { diffAccess } from '../../src/domain/access-diff.ts';
import { deniedAttempts } from '../../src/services/denied-attempts.ts';
import { api, ok, problemOf, type Api, type Reply, type RequestOf } from '../helpers/api.ts';

type Preview = RequestOf<'previewChange'>;
type Decision = Exclude<Reply<'checkAccess'>, { results: unknown }>;

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
  preview: Preview,
  apply: (as: Api) => Promise<{ data?: unknown; error?: unknown; response: Response }>,
  deviceIds: string[],
): Promise<{ sentences: string[]; changes: Change[] }> {
  const as = api(h, actor.token);
  const before = await factsOf(h, deviceIds);
  const audit = await h.runtime.ctx.db.selectFrom('audit_events').select('id').execute();
  const p = await ok(as.POST('/api/previews', { body: preview }), 200);
  // Nothing happened: same facts, no audit row, no inbox message.
  assert.deepEqual(await factsOf(h, deviceIds), before);
  assert.equal((await h.runtime.ctx.db.selectFrom('audit_events').select('id').execute()).length, audit.length);
  await ok(apply(as));
  const after = await factsOf(h, deviceIds);
  const real = deviceIds.flatMap((id) =>
    diffAccess(id, before.get(id) as never, after.get(id) as never, h.clock.now()),
  );
  assert.deepEqual(bare(p.changes as Change[]), bare(real as Change[]));
  assert.ok(p.changes.length > 0 || p.sentences.length === 1);
  return p as { sentences: string[]; changes: Change[] };
}

describeEachDatabase('household visibility, change previews, refused attempts', (h) => {
  test('people on a camera see each other only when the owner turns it on; names only; outsiders 404', async (t) => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const bo = await signUp(h(), 'Bo');
    const zed = await signUp(h(), 'Zed');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 4);
    await seedShare(h().runtime, dev.id, owner.id, sam.id, { channels: [1, 2] });
    await seedShare(h().runtime, dev.id, owner.id, bo.id, { channels: [2, 3], permissions: ['live_view', 'playback'] });
    await seedShare(h().runtime, dev.id, owner.id, zed.id, { channels: [4] });
    const onDevice = { params: { path: { id: dev.id } } };
    const household = (who: Person) => api(h(), who.token).GET('/api/devices/{id}/household', onDevice);
    const visibility = (who: Person, householdVisible: boolean) =>
      api(h(), who.token).PATCH('/api/devices/{id}/visibility', { ...onDevice, body: { householdVisible } });

    await t.test('hidden by default: a recipient is told so, a stranger learns nothing', async () => {
      const hidden = await problemOf(household(sam), 403);
      assert.equal(hidden.code, 'household_hidden');
      await problemOf(household(stranger), 404);
    });

    await t.test('only the owner may switch it on; a recipient and a stranger are refused', async () => {
      await problemOf(visibility(sam, true), 404);
      await problemOf(visibility(stranger, true), 404);
      await problemOf(household(sam), 403);
      assert.deepEqual(await ok(visibility(owner, true), 200), { householdVisible: true, notifyDenied: false });
    });

    await t.test('switched on: the people on my channels, by name only', async () => {
      const body = await ok(household(sam), 200);
      assert.deepEqual(
        body.channels.map((c) => c.number),
        [1, 2],
      );
      assert.deepEqual(body.people, [
        { name: 'Olivia', kind: 'owner', permissions: ['live_view', 'playback'], channels: [1, 2] },
        { name: 'Bo', kind: 'recipient', permissions: ['live_view', 'playback'], channels: [2] },
      ]);
      // Names only: no address, no account id of anyone.
      const text = JSON.stringify(body);
      assert.ok(!text.includes('@') && !text.includes(bo.id) && !text.includes(owner.id));
      await problemOf(household(stranger), 404);
      // Zed's channel overlaps nobody's but the owner's.
      assert.deepEqual(
        (await ok(household(zed), 200)).people.map((p) => p.name),
        ['Olivia'],
      );
    });

    await t.test('installers with live view appear to those they overlap', async () => {
      const tech = await signUp(h(), 'Tech');
      const org = await seedOrg(h().runtime, [tech.id]);
      await seedAuthorization(h().runtime, dev.id, org, owner.id, [{ permission: 'live_view' }]);
      assert.ok((await ok(household(sam), 200)).people.some((p) => p.kind === 'installer'));
    });

    await t.test('off again: the recipient is refused once more', async () => {
      await ok(visibility(owner, false), 200);
      await problemOf(household(sam), 403);
    });
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
    const onShare = { params: { path: { id: shareId } } };
    const edit = await previewMatches(
      h(),
      owner,
      { kind: 'share.update', shareId, channels: [2, 3], permissions: ['live_view'], language: 'en' },
      (as) => as.PATCH('/api/shares/{id}', { ...onShare, body: { channels: [2, 3], permissions: ['live_view'] } }),
      [dev.id],
    );
    assert.deepEqual(edit.sentences, [
      'Sam gains Live View on "Channel 3" of "Recorder".',
      'Sam loses Live View on "Channel 1" of "Recorder".',
      'Sam loses Playback on "Channel 1" and "Channel 2" of "Recorder".',
    ]);
    // The same in German.
    const de = await ok(
      api(h(), owner.token).POST('/api/previews', { body: { kind: 'share.revoke', shareId, language: 'de' } }),
      200,
    );
    assert.deepEqual(de.sentences, ['Sam verliert Live-Ansicht auf "Channel 2" und "Channel 3" von "Recorder".']);

    const until = h().clock.now() + 5 * HOUR;
    await previewMatches(
      h(),
      owner,
      { kind: 'share.update', shareId, validity: { until } },
      (as) => as.PATCH('/api/shares/{id}', { ...onShare, body: { validity: { until } } }),
      [dev.id],
    );
    const bulk: RequestOf<'createBulkShare'> = {
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
      (as) => as.POST('/api/shares/bulk', { body: bulk }),
      [dev.id, dev2.id],
    );
    const create: RequestOf<'createShare'> = {
      recipient: { email: sam.email },
      scope: 'device',
      permissions: ['live_view'],
    };
    const onDev2 = { params: { path: { id: dev2.id } } };
    await previewMatches(
      h(),
      owner,
      { kind: 'share.create', deviceId: dev2.id, ...create },
      (as) => as.POST('/api/devices/{id}/shares', { ...onDev2, body: create }),
      [dev2.id],
    );
    const revoke = await previewMatches(
      h(),
      owner,
      { kind: 'share.revoke', shareId },
      (as) => as.DELETE('/api/shares/{id}', onShare),
      [dev.id],
    );
    assert.equal(revoke.changes.length, 1);
    await previewMatches(
      h(),
      owner,
      { kind: 'shares.revoke_all', deviceId: dev2.id },
      (as) => as.DELETE('/api/devices/{id}/shares', onDev2),
      [dev2.id],
    );
    await previewMatches(
      h(),
      owner,
      { kind: 'access.revoke_everything', subject: { type: 'account', id: bo.id } },
      (as) => as.POST('/api/access-review/{kind}/{id}/revoke', { params: { path: { kind: 'accounts', id: bo.id } } }),
      [dev.id, dev2.id],
    );
    // Nothing left to lose: one sentence says so.
    const none = await ok(
      api(h(), owner.token).POST('/api/previews', { body: { kind: 'shares.revoke_all', deviceId: dev2.id } }),
      200,
    );
    assert.deepEqual(none.sentences, ['Nobody gains or loses access.']);
  });

  test('previews of accepting a handover and of editing, withdrawing and cancelling an authorization', async () => {
    const installer = await verifiedPerson(h(), 'Installer');
    const owner = await verifiedPerson(h(), 'Olivia');
    const org = await createOrg(h(), installer);
    const site = await createSite(h(), installer, org.id);
    const devices = await addSiteDevices(h(), installer, site.id, [{}]);
    const devId = devices[0]!.id;
    const keep = [
      { permission: 'live_view', validity: 'permanent' as const },
      { permission: 'configuration', validity: 'permanent' as const },
    ];
    const inv = await ok(
      api(h(), installer.token).POST('/api/sites/{siteId}/handover', {
        params: { path: { siteId: site.id } },
        body: { email: owner.email, devices: [{ deviceId: devId, permissions: keep }] },
      }),
      201,
    );
    const agree = { devices: [{ deviceId: devId, permissions: ['live_view'] }] };
    const accepted = await previewMatches(
      h(),
      owner,
      { kind: 'handover.accept', invitationId: inv.id, ...agree, language: 'en' },
      (as) =>
        as.POST('/api/handover-invitations/{invitationId}/accept', {
          params: { path: { invitationId: inv.id } },
          body: agree,
        }),
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
        { permission: 'live_view', validity: 'permanent' as const },
        { permission: 'playback', validity: 'permanent' as const },
      ],
    };
    const authorization = { params: { path: { id: devId, orgId: org.id } } };
    const edited = await previewMatches(
      h(),
      owner,
      { kind: 'authorization.set', deviceId: devId, orgId: org.id, ...set },
      (as) => as.PUT('/api/devices/{id}/authorizations/{orgId}', { ...authorization, body: set }),
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
      (as) =>
        as.DELETE('/api/devices/{id}/authorizations/{orgId}/permissions/{permission}', {
          params: { path: { id: devId, orgId: org.id, permission: 'live_view' } },
        }),
      [devId],
    );
    // An outsider's preview is refused like the change itself, and changes nothing.
    const stranger = await signUp(h(), 'Stranger');
    await problemOf(
      api(h(), stranger.token).POST('/api/previews', {
        body: { kind: 'authorization.cancel', deviceId: devId, orgId: org.id },
      }),
      404,
    );
    await previewMatches(
      h(),
      owner,
      { kind: 'authorization.cancel', deviceId: devId, orgId: org.id },
      (as) => as.DELETE('/api/devices/{id}/authorizations/{orgId}', authorization),
      [devId],
    );
  });

  test('refused attempts: grouped per person, reason and ten minutes; the owner told at most hourly if chosen', async (t) => {
    const owner = await signUp(h(), 'Olivia');
    const sam = await signUp(h(), 'Sam');
    const stranger = await signUp(h(), 'Stranger');
    const dev = await seedDevice(h().runtime, owner.id, 2);
    await seedShare(h().runtime, dev.id, owner.id, sam.id, { channels: [1], until: h().clock.now() + HOUR });
    const onDevice = { params: { path: { id: dev.id } } };
    const check = async (who: Person, channel = 1): Promise<Decision> =>
      (await ok(
        api(h(), who.token).POST('/api/access/check', { body: { deviceId: dev.id, channel, permission: 'live_view' } }),
        200,
      )) as Decision;
    const notify = (notifyDenied: boolean) =>
      ok(api(h(), owner.token).PATCH('/api/devices/{id}/visibility', { ...onDevice, body: { notifyDenied } }), 200);
    await t.test('refused checks and tickets are grouped per person and reason, and the owner told once', async () => {
      assert.equal((await check(sam)).allowed, true);
      await notify(true);
      h().clock.advance(HOUR + 1);
      for (let i = 0; i < 5; i++) assert.equal((await check(sam)).reason, 'expired');
      const ticket = api(h(), sam.token).POST('/api/stream-tickets', {
        body: { deviceId: dev.id, channel: 1, permission: 'live_view' },
      });
      await problemOf(ticket, 403);
      // Channel 2 was never shared: a different reason, its own group. A stranger's attempts are nobody's business.
      assert.equal((await check(sam, 2)).reason, 'channel_not_shared');
      for (let i = 0; i < 3; i++) await check(stranger);
      // Nothing is written by the checks themselves.
      assert.equal((await h().runtime.ctx.db.selectFrom('access_denials').selectAll().execute()).length, 0);

      const { items } = await ok(api(h(), owner.token).GET('/api/devices/{id}/denied-attempts', onDevice), 200);
      assert.deepEqual(items.map((i) => [i.person.name, i.reason, i.count]).sort(), [
        ['Sam', 'channel_not_shared', 1],
        ['Sam', 'expired', 6],
      ]);
      const notices = (await inbox(h(), owner)).filter((m) => m.kind === 'access_denied');
      assert.equal(notices.length, 1);
      assert.match(notices[0]!.body, /Sam tried to use/);
    });

    await t.test(
      'more attempts in the same ten minutes: the same row counts up; no second notice within the hour',
      async () => {
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
        const notices = (await inbox(h(), owner)).filter((m) => m.kind === 'access_denied');
        assert.equal(notices.length, 1);
      },
    );
    await t.test('ten minutes on: a new row; an hour on: a new notice', async () => {
      h().clock.advance(HOUR);
      await check(sam);
      await deniedAttempts(h().runtime.ctx).flush();
      assert.equal(
        (await h().runtime.ctx.db.selectFrom('access_denials').selectAll().where('reason', '=', 'expired').execute())
          .length,
        2,
      );
      assert.equal((await inbox(h(), owner)).filter((m) => m.kind === 'access_denied').length, 2);
    });
    await t.test('notices off: the audit keeps counting, nobody is told', async () => {
      await notify(false);
      h().clock.advance(2 * HOUR);
      await check(sam);
      await deniedAttempts(h().runtime.ctx).flush();
      assert.equal((await inbox(h(), owner)).filter((m) => m.kind === 'access_denied').length, 2);
    });
    await t.test('only the owner sees them', async () => {
      // Only the owner sees them.
      for (const who of [sam, stranger])
        await problemOf(api(h(), who.token).GET('/api/devices/{id}/denied-attempts', onDevice), 404);
    });
  });
});
