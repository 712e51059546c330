// Migration 019: addresses stored before the canonical form (only lower-cased) are brought into it, so the person
// can log in and be found with their address however it is typed; a collision is left alone, not taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { up } from '../../src/persistence/migrations/019_email_forms.ts';

/** Fullwidth Latin letters and digits: the form NFKC folds back to ASCII. */
const fullwidth = (s: string) => s.replace(/[a-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));

describeEachDatabase('stored emails brought into the canonical form (migration 019)', (h) => {
  test('an old fullwidth address becomes canonical (login works with it); one whose form is taken stays', async () => {
    const alice = await signUp(h(), 'Alice');
    const bob = await signUp(h(), 'Bob');
    const carol = await signUp(h(), 'Carol');
    const db = h().runtime.ctx.db;
    const [local, domain] = alice.email.split('@') as [string, string];
    // As a release before the canonical form could have stored them.
    await db
      .updateTable('accounts')
      .set({ email: `${fullwidth(local)}@${domain}` })
      .where('id', '=', alice.id)
      .execute();
    const [bobLocal] = bob.email.split('@') as [string];
    const clash = `${fullwidth(bobLocal)}@${domain}`;
    await db.updateTable('accounts').set({ email: clash }).where('id', '=', carol.id).execute();
    const login = (address: string) =>
      h().request({
        method: 'POST',
        url: '/api/auth/tokens',
        body: { login: address, password: 'correct horse battery' },
      });
    assert.equal((await login(alice.email)).statusCode, 401, 'before: the canonical address does not find Alice');

    await up(db);

    const emails = new Map(
      (await db.selectFrom('accounts').select(['id', 'email']).execute()).map((r) => [r.id, r.email]),
    );
    assert.equal(emails.get(alice.id), alice.email);
    assert.equal(emails.get(bob.id), bob.email, 'the holder of the canonical form keeps it');
    assert.equal(emails.get(carol.id), clash, 'a collision is left as stored');
    assert.equal((await login(alice.email)).statusCode, 201, 'after: Alice logs in with her address');
    assert.equal((await login(bob.email)).statusCode, 201);
  });
});
