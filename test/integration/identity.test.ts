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

const PASSWORD = 'correct horse battery';
let n = 0;
const fresh = (name: string) => `${name}.${++n}.${Math.random().toString(36).slice(2, 8)}@example.com`;

async function register(h: Harness, email: string, name: string, password = PASSWORD) {
  const res = await h.request({
    method: 'POST',
    url: '/api/auth/register',
    body: { email, password, displayName: name },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; email: string | null; pendingEmail: string | null };
}

async function tokenFor(h: Harness, login: string, password = PASSWORD, otp?: string) {
  return h.request({ method: 'POST', url: '/api/auth/tokens', body: { login, password, ...(otp ? { otp } : {}) } });
}

async function loginAs(h: Harness, email: string, password = PASSWORD): Promise<Person> {
  const res = await tokenFor(h, email, password);
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().account.id, email, token: res.json().token, displayName: res.json().account.displayName };
}

function share(h: Harness, owner: Person, deviceId: string, recipient: Record<string, string>) {
  return h.request({
    method: 'POST',
    url: `/api/devices/${deviceId}/shares`,
    token: owner.token,
    body: { recipient, scope: 'device', permissions: ['live_view'] },
  });
}

async function me(h: Harness, p: Person) {
  const res = await h.request({ method: 'GET', url: '/api/me', token: p.token });
  return res;
}

function totpCode(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });
}

async function enableTwoFactor(h: Harness, p: Person): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await h.request({
    method: 'POST',
    url: '/api/me/two-factor/setup',
    token: p.token,
    body: { password: PASSWORD },
  });
  assert.equal(setup.statusCode, 200, setup.body);
  const { secret, otpauthUri, qrSvg } = setup.json();
  assert.match(otpauthUri, /^otpauth:\/\/totp\/Keyholder:/);
  assert.match(qrSvg, /<svg/);
  const enable = await h.request({
    method: 'POST',
    url: '/api/me/two-factor/enable',
    token: p.token,
    body: { code: totpCode(secret, h.clock.now()) },
  });
  assert.equal(enable.statusCode, 200, enable.body);
  return { secret, recoveryCodes: enable.json().recoveryCodes };
}

describeEachDatabase('identity: shares wait for a proven address', (h) => {
  test('a share to an address whose account never verified it grants nothing until that address is verified', async () => {
    const owner = await signUp(h(), 'Owner');
    const claimant = await signUp(h(), 'Claimant', { verified: false });
    const cam = await ownDevice(h(), owner.id, { channels: 2 });

    const res = await share(h(), owner, cam, { email: claimant.email });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'waiting');
    assert.equal(res.json().waitingFor, claimant.email);
    assert.equal((await sharesOf(h(), cam)).length, 0);
    assert.equal((await check(h(), claimant, cam, 'live_view')).allowed, false);
    const ticket = await h().request({
      method: 'POST',
      url: '/api/stream-tickets',
      token: claimant.token,
      body: { deviceId: cam, channel: 1, permission: 'live_view' },
    });
    assert.equal(ticket.statusCode, 404, ticket.body);
    const received = await h().request({ method: 'GET', url: '/api/shares/received', token: claimant.token });
    assert.deepEqual(received.json(), []);

    // The owner sees who it waits for.
    const listed = await h().request({ method: 'GET', url: `/api/devices/${cam}/shares`, token: owner.token });
    assert.deepEqual(
      listed.json().map((s: { status: string; waitingFor: string | null }) => [s.status, s.waitingFor]),
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
    const after = await h().request({ method: 'GET', url: `/api/devices/${cam}/shares`, token: owner.token });
    assert.deepEqual(
      after.json().map((s: { status: string; recipient: { id: string } }) => [s.status, s.recipient.id]),
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
    assert.equal((await share(h(), owner, cam, { email: address })).json().status, 'waiting');

    // The real person registers the same address: accepted as a claim, proven by the code sent to it.
    h().clock.advance(1000);
    const victimAccount = await register(h(), address, 'Victim');
    assert.equal(victimAccount.email, null);
    assert.equal(victimAccount.pendingEmail, address);
    const victim = await loginAs(h(), address);
    assert.equal(victim.id, victimAccount.id);
    const verify = await h().request({
      method: 'POST',
      url: '/api/me/verify',
      token: victim.token,
      body: { channel: 'email', code: await codeSentTo(h(), address) },
    });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.equal(verify.json().email, address);
    assert.equal(verify.json().emailVerified, true);

    // The squatter keeps its account but not the address, and never got the share.
    const sq = (await me(h(), squatter)).json();
    assert.equal(sq.email, null);
    assert.ok((await inbox(h(), squatter)).some((m) => m.kind === 'address_removed'));
    assert.equal((await check(h(), squatter, cam, 'live_view')).allowed, false);
    assert.equal((await check(h(), victim, cam, 'live_view')).allowed, true);
    // The address now logs in to the victim only.
    assert.equal((await tokenFor(h(), address)).json().account.id, victim.id);
    assertProblem(await tokenFor(h(), address, 'squatter password'), 401);
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
    for (let i = 0; i < limit; i++) assert.equal((await share(h(), owner, a!, { email: fresh('w') })).statusCode, 201);
    const over = assertProblem(await share(h(), owner, a!, { email: fresh('w') }), 409);
    assert.equal(over.code, 'recipient_limit');
    const again = await share(h(), owner, b!, { email: 'twice@example.com' });
    assert.equal(again.statusCode, 201);
    assert.equal(assertProblem(await share(h(), owner, b!, { email: 'TWICE@example.com' }), 409).code, 'share_exists');
    // Revoking a waiting share frees its place; editing one is refused with a clear answer.
    assert.equal(
      assertProblem(
        await h().request({
          method: 'PATCH',
          url: `/api/shares/${again.json().id}`,
          token: owner.token,
          body: { permissions: ['live_view', 'playback'] },
        }),
        409,
      ).code,
      'share_waiting',
    );
    const del = await h().request({ method: 'DELETE', url: `/api/shares/${again.json().id}`, token: owner.token });
    assert.equal(del.statusCode, 200, del.body);

    const address = fresh('bulk');
    const bulk = await h().request({
      method: 'POST',
      url: '/api/shares/bulk',
      token: owner.token,
      body: {
        recipient: { email: address },
        devices: [b!].map((deviceId) => ({ deviceId, scope: 'device', permissions: ['live_view'] })),
      },
    });
    assert.equal(bulk.statusCode, 201, bulk.body);
    assert.equal(bulk.json().recipient.id, null);
    assert.deepEqual(
      bulk.json().shares.map((s: { status: string }) => s.status),
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
    const toSquatter = await h().request({
      method: 'POST',
      url: `/api/devices/${cam}/transfer`,
      token: owner.token,
      body: { to: squatter.email },
    });
    assert.equal(toSquatter.json().status, 'waiting');
    const incoming = await h().request({ method: 'GET', url: '/api/transfers', token: squatter.token });
    assert.deepEqual(incoming.json().incoming, []);
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/devices/${cam}/transfer`, token: owner.token })).statusCode,
      200,
    );

    const offer = await h().request({
      method: 'POST',
      url: `/api/devices/${cam}/transfer`,
      token: owner.token,
      body: { to: address },
    });
    assert.equal(offer.statusCode, 201, offer.body);
    assert.equal(offer.json().status, 'waiting');
    const mine = await h().request({ method: 'GET', url: '/api/transfers', token: owner.token });
    assert.deepEqual(
      mine.json().outgoing.map((t: { status: string; to: { displayName: string } }) => [t.status, t.to.displayName]),
      [['waiting', address]],
    );
    await register(h(), address, 'Heir');
    const heir = await loginAs(h(), address);
    await verifyEmail(h(), heir);
    const theirs = await h().request({ method: 'GET', url: '/api/transfers', token: heir.token });
    assert.equal(theirs.json().incoming.length, 1);
    const accept = await h().request({
      method: 'POST',
      url: `/api/transfers/${theirs.json().incoming[0].id}/accept`,
      token: heir.token,
    });
    assert.equal(accept.statusCode, 200, accept.body);
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
    const res = await share(h(), owner, cam, { email: copy });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().recipient.id, bob.id);

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
      assertProblem(await share(h(), owner, cam, { email: 'pаypal@example.com' }), 400).code,
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
    assert.equal((await me(h(), other)).statusCode, 200);
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
    const ok = await h().request({
      method: 'POST',
      url: '/api/me/password',
      token: p.token,
      body: { currentPassword: PASSWORD, newPassword: 'a new long password' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().endedSessions, 1);
    assert.equal((await me(h(), other)).statusCode, 401);
    assert.equal((await me(h(), p)).statusCode, 200);
    assertProblem(await tokenFor(h(), p.email), 401);
    assert.equal((await tokenFor(h(), p.email, 'a new long password')).statusCode, 201);
  });

  test('sessions list what opened them; log out everywhere ends every one', async () => {
    const p = await signUp(h(), 'Everywhere');
    const browser = await h().request({
      method: 'POST',
      url: '/api/auth/tokens',
      body: { login: p.email, password: PASSWORD },
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0' },
    });
    const list = await h().request({ method: 'GET', url: '/api/me/sessions', token: p.token });
    assert.ok(
      list.json().some((s: { device: string }) => s.device === 'Firefox on Windows'),
      list.body,
    );
    const end = await h().request({ method: 'POST', url: '/api/me/sessions/end-all', token: p.token });
    assert.equal(end.statusCode, 200, end.body);
    assert.equal(end.json().endedSessions, 2);
    assert.equal((await me(h(), p)).statusCode, 401);
    assert.equal((await h().request({ method: 'GET', url: '/api/me', token: browser.json().token })).statusCode, 401);
  });

  test('password reset: a single-use, expiring code to a verified address; the same answer for any address', async () => {
    const p = await signUp(h(), 'Forgetful');
    const unverified = await signUp(h(), 'Unproven', { verified: false });
    const ask = (login: string) => h().request({ method: 'POST', url: '/api/auth/password-reset', body: { login } });
    const known = await ask(p.email);
    const unknown = await ask('nobody.at.all@example.com');
    const unproven = await ask(unverified.email);
    assert.equal(known.statusCode, 202);
    assert.deepEqual(unknown.json(), known.json());
    assert.deepEqual(unproven.json(), known.json());
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
    assert.equal(await codeOf(unverified.email), undefined, 'no reset code goes to an unproven address');
    const code = (await codeOf(p.email))!;
    assert.ok(code);
    const confirm = (c: string, newPassword = 'brand new password') =>
      h().request({
        method: 'POST',
        url: '/api/auth/password-reset/confirm',
        body: { login: p.email, code: c, newPassword },
      });
    const wrong = assertProblem(await confirm(code === '00000000' ? '00000001' : '00000000'), 400);
    assert.equal(wrong.code, 'bad_reset_code');
    // The same answer for an address nobody has.
    assert.equal(
      assertProblem(
        await h().request({
          method: 'POST',
          url: '/api/auth/password-reset/confirm',
          body: { login: 'nobody.at.all@example.com', code, newPassword: 'brand new password' },
        }),
        400,
      ).detail,
      wrong.detail,
    );
    assert.equal((await confirm(code)).statusCode, 200);
    assert.equal((await me(h(), p)).statusCode, 401, 'every session ended');
    assert.equal((await tokenFor(h(), p.email, 'brand new password')).statusCode, 201);
    assertProblem(await confirm(code, 'another new password'), 400);

    // Expired codes do not work.
    await ask(p.email);
    const late = (await codeOf(p.email))!;
    h().clock.advance(16 * 60_000);
    assertProblem(await confirm(late, 'yet another password'), 400);

    // Asking is throttled per address whoever it belongs to.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ask('throttled.nobody@example.com')).statusCode);
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
  });
});

describeEachDatabase('identity: two-factor login', (h) => {
  test('TOTP is asked at login; a code works once; recovery codes work once', async () => {
    const p = await signUp(h(), 'Careful');
    const { secret, recoveryCodes } = await enableTwoFactor(h(), p);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    assert.equal((await me(h(), p)).json().twoFactor, true);

    const noCode = assertProblem(await tokenFor(h(), p.email), 401);
    assert.equal(noCode.code, 'two_factor_required');
    h().clock.advance(30_000);
    const code = totpCode(secret, h().clock.now());
    assert.equal(
      assertProblem(await tokenFor(h(), p.email, PASSWORD, '000000' === code ? '111111' : '000000'), 401).code,
      'bad_two_factor',
    );
    assert.equal((await tokenFor(h(), p.email, PASSWORD, code)).statusCode, 201);
    assert.equal(assertProblem(await tokenFor(h(), p.email, PASSWORD, code), 401).code, 'bad_two_factor', 'replayed');
    // A wrong password with a right code is still a wrong password.
    h().clock.advance(30_000);
    assertProblem(await tokenFor(h(), p.email, 'wrong password', totpCode(secret, h().clock.now())), 401);

    assert.equal((await tokenFor(h(), p.email, PASSWORD, recoveryCodes[0]!.toUpperCase())).statusCode, 201);
    assertProblem(await tokenFor(h(), p.email, PASSWORD, recoveryCodes[0]!), 401);
    const status = await h().request({ method: 'GET', url: '/api/me/two-factor', token: p.token });
    assert.deepEqual(
      { enabled: status.json().enabled, left: status.json().recoveryCodesLeft },
      { enabled: true, left: 9 },
    );

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
    assert.equal((await tokenFor(h(), p.email)).statusCode, 201);
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
    const set = await setPolicy(admin, true);
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().requireTwoFactor, true);
    assert.deepEqual(
      set
        .json()
        .members.map((m: { displayName: string; twoFactor: boolean }) => [m.displayName, m.twoFactor])
        .sort(),
      [
        ['Admin', true],
        ['Tech', false],
      ],
    );

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
