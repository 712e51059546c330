// Identity and addresses (issue #11): shares and transfers reach only a proven address, a squatted address can be
// taken over by whoever proves it, emails compare in one canonical form, password change and reset, sessions,
// two-factor login and an organization's two-factor requirement. Through HTTP, on both databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { assertProblem, codeSentTo, signUp, verifyEmail, type Person } from '../helpers/people.ts';
import { ownDevice, ownDevices, sharesOf } from '../helpers/sharing.ts';
import { addMember, check, createOrg, inbox } from '../helpers/installer.ts';
import { api, ok, problemOf, statusOf } from '../helpers/api.ts';

const PASSWORD = 'correct horse battery';
let n = 0;
const fresh = (name: string) => `${name}.${++n}.${Math.random().toString(36).slice(2, 8)}@example.com`;

function register(h: Harness, email: string, name: string, password = PASSWORD) {
  return ok(api(h).POST('/api/auth/register', { body: { email, password, displayName: name } }), 201);
}

function tokenFor(h: Harness, login: string, password = PASSWORD, otp?: string) {
  return api(h).POST('/api/auth/tokens', { body: { login, password, ...(otp ? { otp } : {}) } });
}

async function loginAs(h: Harness, email: string, password = PASSWORD): Promise<Person> {
  const { account, token } = await ok(tokenFor(h, email, password), 201);
  return { id: account.id, email, token, displayName: account.displayName };
}

function share(h: Harness, owner: Person, deviceId: string, recipient: { email: string }) {
  return api(h, owner.token).POST('/api/devices/{id}/shares', {
    params: { path: { id: deviceId } },
    body: { recipient, scope: 'device', permissions: ['live_view'] },
  });
}

function me(h: Harness, p: Person) {
  return api(h, p.token).GET('/api/me');
}

function totpCode(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });
}

async function enableTwoFactor(h: Harness, p: Person): Promise<{ secret: string; recoveryCodes: string[] }> {
  const client = api(h, p.token);
  const { secret, otpauthUri, qrSvg } = await ok(
    client.POST('/api/me/two-factor/setup', { body: { password: PASSWORD } }),
    200,
  );
  assert.match(otpauthUri, /^otpauth:\/\/totp\/Keyholder:/);
  assert.match(qrSvg, /<svg/);
  const enable = await ok(
    client.POST('/api/me/two-factor/enable', { body: { code: totpCode(secret, h.clock.now()) } }),
    200,
  );
  return { secret, recoveryCodes: enable.recoveryCodes };
}

describeEachDatabase('identity: shares wait for a proven address', (h) => {
  test('a share to an address whose account never verified it grants nothing until that address is verified', async () => {
    const owner = await signUp(h(), 'Owner');
    const claimant = await signUp(h(), 'Claimant', { verified: false });
    const cam = await ownDevice(h(), owner.id, { channels: 2 });

    const res = await ok(share(h(), owner, cam, { email: claimant.email }), 201);
    assert.equal(res.status, 'waiting');
    assert.equal(res.waitingFor, claimant.email);
    assert.equal((await sharesOf(h(), cam)).length, 0);
    assert.equal((await check(h(), claimant, cam, 'live_view')).allowed, false);
    const ticket = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: claimant.token,
      body: { deviceId: cam, channel: 1, permission: 'live_view' },
    });
    assert.equal(ticket.statusCode, 404, ticket.body);
    assert.deepEqual(await ok(api(h(), claimant.token).GET('/api/shares/received')), []);

    // The owner sees who it waits for.
    const listed = await ok(api(h(), owner.token).GET('/api/devices/{id}/shares', { params: { path: { id: cam } } }));
    assert.deepEqual(
      listed.map((s) => [s.status, s.waitingFor]),
      [['waiting', claimant.email]],
    );
    // A recipient's resolve does not find an unverified address either.
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/recipients/resolve',
        token: owner.token,
        body: { email: claimant.email },
      }),
      404,
    );

    await verifyEmail(h(), claimant);
    assert.equal((await check(h(), claimant, cam, 'live_view')).allowed, true);
    const after = await ok(api(h(), owner.token).GET('/api/devices/{id}/shares', { params: { path: { id: cam } } }));
    assert.deepEqual(
      after.map((s) => [s.status, s.recipient.id]),
      [['active', claimant.id]],
    );
    assert.ok((await inbox(h(), claimant)).some((m) => m.kind === 'share_received'));
    assert.ok((await inbox(h(), owner)).some((m) => m.kind === 'share_delivered'));
  });

  test('whoever proves a squatted address takes it over, and the waiting share goes to them, not the squatter', async () => {
    const owner = await signUp(h(), 'Owner');
    const address = fresh('victim');
    await register(h(), address, 'Squatter', 'squatter password');
    const squatter = await loginAs(h(), address, 'squatter password');
    const cam = await ownDevice(h(), owner.id);
    assert.equal((await ok(share(h(), owner, cam, { email: address }))).status, 'waiting');

    // The real person registers the same address: accepted as a claim, proven by the code sent to it.
    h().clock.advance(1000);
    const victimAccount = await register(h(), address, 'Victim');
    assert.equal(victimAccount.email, null);
    assert.equal(victimAccount.pendingEmail, address);
    const victim = await loginAs(h(), address);
    assert.equal(victim.id, victimAccount.id);
    const verify = await ok(
      api(h(), victim.token).POST('/api/me/verify', {
        body: { channel: 'email', code: await codeSentTo(h(), address) },
      }),
      200,
    );
    assert.equal(verify.email, address);
    assert.equal(verify.emailVerified, true);

    // The squatter keeps its account but not the address, and never got the share.
    const sq = await ok(me(h(), squatter));
    assert.equal(sq.email, null);
    assert.ok((await inbox(h(), squatter)).some((m) => m.kind === 'address_removed'));
    assert.equal((await check(h(), squatter, cam, 'live_view')).allowed, false);
    assert.equal((await check(h(), victim, cam, 'live_view')).allowed, true);
    // The address now logs in to the victim only.
    assert.equal((await ok(tokenFor(h(), address))).account.id, victim.id);
    await problemOf(tokenFor(h(), address, 'squatter password'), 401);
    // And nobody can claim it any more.
    assert.equal(
      assertProblem(
        await h().request({
          method: 'POST',
          url: '/api/auth/register',
          body: { email: address, password: PASSWORD, displayName: 'Late' },
        }),
        409,
      ).code,
      'email_taken',
    );
  });

  test('waiting shares count toward the recipient limit; bulk shares wait too and arrive as one message', async () => {
    const owner = await signUp(h(), 'Owner');
    const [a, b] = await ownDevices(h(), owner.id, 2);
    const limit = h().config.maxShareRecipients;
    for (let i = 0; i < limit; i++) assert.equal(await statusOf(share(h(), owner, a!, { email: fresh('w') })), 201);
    const over = await problemOf(share(h(), owner, a!, { email: fresh('w') }), 409);
    assert.equal(over.code, 'recipient_limit');
    const again = await ok(share(h(), owner, b!, { email: 'twice@example.com' }), 201);
    assert.equal((await problemOf(share(h(), owner, b!, { email: 'TWICE@example.com' }), 409)).code, 'share_exists');
    // Revoking a waiting share frees its place; editing one is refused with a clear answer.
    assert.equal(
      assertProblem(
        await h().request({
          method: 'PATCH',
          url: `/api/shares/${again.id}`,
          token: owner.token,
          body: { permissions: ['live_view', 'playback'] },
        }),
        409,
      ).code,
      'share_waiting',
    );
    const del = await h().request({ method: 'DELETE', url: `/api/shares/${again.id}`, token: owner.token });
    assert.equal(del.statusCode, 200, del.body);

    const address = fresh('bulk');
    const bulk = await ok(
      api(h(), owner.token).POST('/api/shares/bulk', {
        body: {
          recipient: { email: address },
          devices: [b!].map((deviceId) => ({
            deviceId,
            scope: 'device' as const,
            permissions: ['live_view' as const],
          })),
        },
      }),
      201,
    );
    assert.equal(bulk.recipient.id, null);
    assert.deepEqual(
      bulk.shares.map((s) => s.status),
      ['waiting'],
    );
    await register(h(), address, 'Bulky');
    const bulky = await loginAs(h(), address);
    assert.equal((await check(h(), bulky, b!, 'live_view')).allowed, false);
    await verifyEmail(h(), bulky);
    assert.equal((await check(h(), bulky, b!, 'live_view')).allowed, true);
  });

  test('an ownership transfer to an unproven address waits, then reaches the account that proves it', async () => {
    const owner = await signUp(h(), 'Owner');
    const cam = await ownDevice(h(), owner.id);
    const address = fresh('heir');
    const squatter = await signUp(h(), 'Squatter', { verified: false });
    const toSquatter = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/transfer', {
        params: { path: { id: cam } },
        body: { to: squatter.email },
      }),
    );
    assert.equal(toSquatter.status, 'waiting');
    const incoming = await ok(api(h(), squatter.token).GET('/api/transfers'));
    assert.deepEqual(incoming.incoming, []);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/devices/${cam}/transfer`, token: owner.token })).statusCode,
      200,
    );

    const offer = await ok(
      api(h(), owner.token).POST('/api/devices/{id}/transfer', {
        params: { path: { id: cam } },
        body: { to: address },
      }),
      201,
    );
    assert.equal(offer.status, 'waiting');
    const mine = await ok(api(h(), owner.token).GET('/api/transfers'));
    assert.deepEqual(
      mine.outgoing.map((t) => [t.status, t.to.displayName]),
      [['waiting', address]],
    );
    await register(h(), address, 'Heir');
    const heir = await loginAs(h(), address);
    await verifyEmail(h(), heir);
    const theirs = await ok(api(h(), heir.token).GET('/api/transfers'));
    assert.equal(theirs.incoming.length, 1);
    await ok(
      api(h(), heir.token).POST('/api/transfers/{id}/accept', { params: { path: { id: theirs.incoming[0]!.id } } }),
      200,
    );
  });
});

describeEachDatabase('identity: one canonical form per email', (h) => {
  test('fullwidth and mathematical copies are the same address; mixed-script look-alikes are refused', async () => {
    const bob = await signUp(h(), 'Bob');
    const local = bob.email.split('@')[0]!;
    const fullwidth = [...local].map((c) => (/[a-z]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c));
    const copy = `${fullwidth.join('')}@example.com`;
    assert.equal(
      assertProblem(
        await h().request({
          method: 'POST',
          url: '/api/auth/register',
          body: { email: copy, password: PASSWORD, displayName: 'Copy' },
        }),
        409,
      ).code,
      'email_taken',
    );
    // Shared to the copy: it is Bob's address, and Bob proved it.
    const owner = await signUp(h(), 'Owner');
    const cam = await ownDevice(h(), owner.id);
    const res = await ok(share(h(), owner, cam, { email: copy }), 201);
    assert.equal(res.recipient.id, bob.id);

    for (const lookalike of ['pаypal@example.com', 'bob@exаmple.com', 'bob\u200b@example.com']) {
      const problem = assertProblem(
        await h().request({
          method: 'POST',
          url: '/api/auth/register',
          body: { email: lookalike, password: PASSWORD, displayName: 'Fake' },
        }),
        400,
      );
      assert.equal(problem.code, 'confusable_email', lookalike);
      assert.equal(problem.field, 'email');
    }
    assert.equal(
      (await problemOf(share(h(), owner, cam, { email: 'pаypal@example.com' }), 400)).code,
      'confusable_email',
    );
  });
});

describeEachDatabase('identity: passwords and sessions', (h) => {
  test('changing the password needs the old one and ends my other sessions at once', async () => {
    const p = await signUp(h(), 'Changer');
    const other = await loginAs(h(), p.email);
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/me/password',
        token: p.token,
        body: { currentPassword: 'wrong password', newPassword: 'a new long password' },
      }),
      403,
    );
    assert.equal(await statusOf(me(h(), other)), 200);
    const weak = assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/me/password',
        token: p.token,
        body: { currentPassword: PASSWORD, newPassword: 'short' },
      }),
      400,
    );
    assert.equal(weak.field, 'newPassword');
    const changed = await ok(
      api(h(), p.token).POST('/api/me/password', {
        body: { currentPassword: PASSWORD, newPassword: 'a new long password' },
      }),
      200,
    );
    assert.equal(changed.endedSessions, 1);
    assert.equal(await statusOf(me(h(), other)), 401);
    assert.equal(await statusOf(me(h(), p)), 200);
    await problemOf(tokenFor(h(), p.email), 401);
    assert.equal(await statusOf(tokenFor(h(), p.email, 'a new long password')), 201);
  });

  test('sessions list what opened them; log out everywhere ends every one', async () => {
    const p = await signUp(h(), 'Everywhere');
    const browser = await ok(
      api(h()).POST('/api/auth/tokens', {
        body: { login: p.email, password: PASSWORD },
        headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0' },
      }),
    );
    const list = await ok(api(h(), p.token).GET('/api/me/sessions'));
    assert.ok(
      list.some((s) => s.device === 'Firefox on Windows'),
      JSON.stringify(list),
    );
    const end = await ok(api(h(), p.token).POST('/api/me/sessions/end-all'), 200);
    assert.equal(end.endedSessions, 2);
    assert.equal(await statusOf(me(h(), p)), 401);
    assert.equal(await statusOf(api(h(), browser.token).GET('/api/me')), 401);
  });

  test('password reset: a single-use, expiring code to a verified address; the same answer for any address', async (t) => {
    const p = await signUp(h(), 'Forgetful');
    const unverified = await signUp(h(), 'Unproven', { verified: false });
    const ask = (login: string) => api(h()).POST('/api/auth/password-reset', { body: { login } });
    const codeOf = async (email: string) => {
      const rows = await h()
        .runtime.ctx.db.selectFrom('outbox')
        .select(['subject', 'created_at', 'id'])
        .where('recipient', '=', email)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map((r) => /reset code: (\d{8})/.exec(r.subject)?.[1]).find(Boolean);
    };
    const confirm = (login: string, code: string, newPassword = 'brand new password') =>
      api(h()).POST('/api/auth/password-reset/confirm', { body: { login, code, newPassword } });
    let code = '';

    await t.test('asking answers the same for a known, an unknown and an unproven address', async () => {
      const known = await ok(ask(p.email), 202);
      assert.deepEqual(await ok(ask('nobody.at.all@example.com')), known);
      assert.deepEqual(await ok(ask(unverified.email)), known);
      assert.equal(await codeOf(unverified.email), undefined, 'no reset code goes to an unproven address');
      code = (await codeOf(p.email))!;
      assert.ok(code);
    });

    await t.test('a wrong code and an unknown address get the same answer', async () => {
      const wrong = await problemOf(confirm(p.email, code === '00000000' ? '00000001' : '00000000'), 400);
      assert.equal(wrong.code, 'bad_reset_code');
      assert.equal((await problemOf(confirm('nobody.at.all@example.com', code), 400)).detail, wrong.detail);
    });

    await t.test('the right code sets the password, ends every session, and works once', async () => {
      assert.equal(await statusOf(confirm(p.email, code)), 200);
      assert.equal(await statusOf(me(h(), p)), 401, 'every session ended');
      assert.equal(await statusOf(tokenFor(h(), p.email, 'brand new password')), 201);
      await problemOf(confirm(p.email, code, 'another new password'), 400);
    });

    await t.test('an expired code does not work', async () => {
      await ask(p.email);
      const late = (await codeOf(p.email))!;
      h().clock.advance(16 * 60_000);
      await problemOf(confirm(p.email, late, 'yet another password'), 400);
    });

    await t.test('asking is throttled per address whoever it belongs to', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await statusOf(ask('throttled.nobody@example.com')));
      assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    });
  });
});

describeEachDatabase('identity: two-factor login', (h) => {
  test('TOTP is asked at login; a code works once; recovery codes work once', async () => {
    const p = await signUp(h(), 'Careful');
    const { secret, recoveryCodes } = await enableTwoFactor(h(), p);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    assert.equal((await ok(me(h(), p))).twoFactor, true);

    const noCode = await problemOf(tokenFor(h(), p.email), 401);
    assert.equal(noCode.code, 'two_factor_required');
    h().clock.advance(30_000);
    const code = totpCode(secret, h().clock.now());
    assert.equal(
      (await problemOf(tokenFor(h(), p.email, PASSWORD, '000000' === code ? '111111' : '000000'), 401)).code,
      'bad_two_factor',
    );
    assert.equal(await statusOf(tokenFor(h(), p.email, PASSWORD, code)), 201);
    assert.equal((await problemOf(tokenFor(h(), p.email, PASSWORD, code), 401)).code, 'bad_two_factor', 'replayed');
    // A wrong password with a right code is still a wrong password.
    h().clock.advance(30_000);
    await problemOf(tokenFor(h(), p.email, 'wrong password', totpCode(secret, h().clock.now())), 401);

    assert.equal(await statusOf(tokenFor(h(), p.email, PASSWORD, recoveryCodes[0]!.toUpperCase())), 201);
    await problemOf(tokenFor(h(), p.email, PASSWORD, recoveryCodes[0]!), 401);
    const status = await ok(api(h(), p.token).GET('/api/me/two-factor'));
    assert.deepEqual({ enabled: status.enabled, left: status.recoveryCodesLeft }, { enabled: true, left: 9 });

    // Turning it off takes the password and a code.
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/me/two-factor/disable',
        token: p.token,
        body: { password: PASSWORD, code: '12345678' },
      }),
      403,
    );
    const off = await h().request({
      method: 'POST',
      url: '/api/me/two-factor/disable',
      token: p.token,
      body: { password: PASSWORD, code: recoveryCodes[1]! },
    });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(await statusOf(tokenFor(h(), p.email)), 201);
  });

  test('an organization can require two-factor login: a member without it cannot act for it until they turn it on', async () => {
    const admin = await signUp(h(), 'Admin');
    const tech = await signUp(h(), 'Tech');
    const org = await createOrg(h(), admin);
    await addMember(h(), admin, org.id, tech);
    const setPolicy = (p: Person, requireTwoFactor: boolean) =>
      h().request({
        method: 'PUT',
        url: `/api/orgs/${org.id}/security`,
        token: p.token,
        body: { requireTwoFactor },
      });
    assert.equal(assertProblem(await setPolicy(admin, true), 409).code, 'two_factor_off');
    await enableTwoFactor(h(), admin);
    assertProblem(await setPolicy(tech, true), 403);
    const set = await ok(
      api(h(), admin.token).PUT('/api/orgs/{orgId}/security', {
        params: { path: { orgId: org.id } },
        body: { requireTwoFactor: true },
      }),
      200,
    );
    assert.equal(set.requireTwoFactor, true);
    assert.deepEqual(set.members.map((m) => [m.displayName, m.twoFactor]).sort(), [
      ['Admin', true],
      ['Tech', false],
    ]);

    // The member can still read the organization (to see why), but not act for it.
    assert.equal((await h().request({ method: 'GET', url: `/api/orgs/${org.id}`, token: tech.token })).statusCode, 200);
    const blocked = assertProblem(
      await h().request({ method: 'GET', url: `/api/orgs/${org.id}/sites`, token: tech.token }),
      403,
    );
    assert.equal(blocked.code, 'two_factor_required');
    await enableTwoFactor(h(), tech);
    assert.equal(
      (await h().request({ method: 'GET', url: `/api/orgs/${org.id}/sites`, token: tech.token })).statusCode,
      200,
    );
  });
});
