import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { api, ok } from '../helpers/api.ts';
import { describeEachDatabase, testConfig, type Harness } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createRuntime } from '../../src/runtime.ts';
import { retryDelay, type SmsSender } from '../../src/services/outbox-delivery.ts';
import { transact } from '../../src/services/context.ts';
import { enqueueMessage } from '../../src/persistence/repositories/outbox.ts';

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server on a free local port, which the test can stop and start again on the same port. */
class TestSmtp {
  received: Received[] = [];
  port = 0;
  private server: SMTPServer | null = null;

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      closeTimeout: 100,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): Received[] {
    return this.received.filter((r) => r.to.includes(address));
  }
}

const smtp = new TestSmtp();
await smtp.start();
after(() => smtp.stop());

async function outboxRow(h: Harness, recipient: string) {
  return h.runtime.ctx.db.selectFrom('outbox').selectAll().where('recipient', '=', recipient).executeTakeFirstOrThrow();
}

describeEachDatabase(
  'outbox delivery by SMTP',
  (h) => {
    test('a verification code reaches the SMTP server; there is no dev mailbox', async () => {
      const p = await signUp(h(), 'Mailed', { verified: false });
      await h().runtime.outbox.runOnce();
      const mails = smtp.to(p.email);
      assert.equal(mails.length, 1);
      assert.match(mails[0]!.raw, /Subject: Your Keyholder verification code: \d{6}/);
      assert.match(mails[0]!.raw, /From: Keyholder <no-reply@keyholder\.local>/);
      const row = await outboxRow(h(), p.email);
      assert.equal(row.transport, 'smtp');
      assert.notEqual(row.delivered_at, null);

      assertProblem(await h().request({ method: 'GET', url: '/api/dev/mailbox' }), 404);
      assertProblem(await h().request({ method: 'GET', url: '/dev/mailbox' }), 404);
    });

    test('while the SMTP server is down the message stays queued, and is delivered once it is back', async () => {
      await smtp.stop();
      try {
        const p = await signUp(h(), 'Patient', { verified: false });
        await h().runtime.outbox.runOnce();
        let row = await outboxRow(h(), p.email);
        assert.equal(row.delivered_at, null);
        assert.equal(row.attempts, 1);
        assert.ok(row.last_error);
        assert.equal(row.next_attempt_at, h().clock.now() + retryDelay(1));

        // Still down at the next attempt: still queued, and the next wait is longer.
        h().clock.advance(retryDelay(1));
        await h().runtime.outbox.runOnce();
        row = await outboxRow(h(), p.email);
        assert.equal(row.delivered_at, null);
        assert.equal(row.attempts, 2);
        assert.equal(row.next_attempt_at, h().clock.now() + retryDelay(2));

        await smtp.start();
        // Back, but the retry is not due yet: nothing is sent early.
        await h().runtime.outbox.runOnce();
        assert.equal(smtp.to(p.email).length, 0);

        h().clock.advance(retryDelay(2));
        await h().runtime.outbox.runOnce();
        assert.equal(smtp.to(p.email).length, 1);
        row = await outboxRow(h(), p.email);
        assert.equal(row.transport, 'smtp');
        assert.notEqual(row.delivered_at, null);

        // Delivered once, not again.
        h().clock.advance(retryDelay(10));
        await h().runtime.outbox.runOnce();
        assert.equal(smtp.to(p.email).length, 1);
      } finally {
        await smtp.start().catch(() => {});
      }
    });
  },
  { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
);

describeEachDatabase('dev mailbox (no SMTP_URL)', (h) => {
  test('mail lands in the dev mailbox, newest first, as JSON and as a page', async () => {
    const first = await signUp(h(), 'First <b>', { verified: false });
    h().clock.advance(1000);
    const second = await signUp(h(), 'Second', { verified: false });
    await h().runtime.outbox.runOnce();
    const messages = await ok(api(h()).GET('/api/dev/mailbox'), 200);
    const i1 = messages.findIndex((m) => m.recipient === first.email);
    const i2 = messages.findIndex((m) => m.recipient === second.email);
    assert.ok(i2 >= 0 && i1 > i2, 'newest first');
    assert.equal(messages[i1]!.transport, 'dev');
    assert.notEqual(messages[i1]!.deliveredAt, null);
    assert.match(messages[i1]!.body, /\d{6}/);

    const page = await h().request({ method: 'GET', url: '/dev/mailbox' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(first.email));
    assert.ok(page.body.includes('First &lt;b&gt;'), 'names are escaped');
    assert.ok(!page.body.includes('First <b>'));

    const limited = await ok(api(h()).GET('/api/dev/mailbox', { params: { query: { limit: 1 } } }));
    assert.equal(limited.length, 1);
    assert.equal(limited[0]!.recipient, second.email);
  });

  test('bad query values are refused', async () => {
    for (const q of ['limit=0', 'limit=abc', 'limit=501', 'other=1']) {
      assertProblem(await h().request({ method: 'GET', url: `/api/dev/mailbox?${q}` }), 400);
    }
  });
});

test('retries back off exponentially up to an hour', () => {
  assert.deepEqual([1, 2, 3, 4].map(retryDelay), [30_000, 60_000, 120_000, 240_000]);
  assert.equal(retryDelay(50), 60 * 60_000);
});

test('SMS goes through the pluggable sender; a failing sender is retried and never loses the message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-sms-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const sent: Array<{ to: string; text: string }> = [];
  let failing = true;
  const sms: SmsSender = {
    name: 'test-sms',
    async send(m) {
      if (failing) throw new Error('gateway unavailable');
      sent.push(m);
    },
  };
  const runtime = await createRuntime(testConfig({ DATA_DIR: dir }), { clock, outbox: { sms } });
  try {
    await transact(runtime.ctx, async (tx) => {
      await enqueueMessage(
        tx.db,
        { channel: 'sms', recipient: '+353861234567', subject: 'Keyholder code', body: 'Keyholder code: 123456' },
        tx.now,
      );
      tx.queuedMail();
    });
    await runtime.outbox.runOnce();
    const row = () => runtime.ctx.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    assert.equal((await row()).delivered_at, null);
    assert.equal((await row()).last_error, 'gateway unavailable');

    failing = false;
    clock.advance(retryDelay(1));
    await runtime.outbox.runOnce();
    assert.deepEqual(sent, [{ to: '+353861234567', text: 'Keyholder code: 123456' }]);
    assert.equal((await row()).transport, 'test-sms');
  } finally {
    await runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('closing the runtime stops the deliverer cleanly', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-stop-'));
  const runtime = await createRuntime(testConfig({ DATA_DIR: dir }), { clock: new ManualClock() });
  await runtime.close();
  // After close, kicks are ignored instead of touching the closed database.
  runtime.ctx.kickOutbox();
  assert.equal(await runtime.outbox.runOnce(), 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('logs at trace level never contain the password, the session token, the cookie or the verification code', async () => {
  const { default: pino } = await import('pino');
  const { REDACT } = await import('../../src/runtime.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-logs-'));
  const lines: string[] = [];
  const log = pino(
    { level: 'trace', redact: { paths: REDACT, censor: '[redacted]' } },
    { write: (s: string) => void lines.push(s) },
  );
  const runtime = await createRuntime(testConfig({ DATA_DIR: dir }), { clock: new ManualClock(), log });
  try {
    const password = 'secret horse battery';
    const app = runtime.app;
    await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: 'logged@example.com', password, displayName: 'Logged' },
    });
    await runtime.outbox.runOnce();
    const browser = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { login: 'logged@example.com', password },
    });
    const session = (browser.cookies as Array<{ name: string; value: string }>).find(
      (c) => c.name === 'kh_session',
    )!.value;
    const csrf = browser.json().csrfToken as string;
    const message = await runtime.ctx.db.selectFrom('outbox').select('body').executeTakeFirstOrThrow();
    const code = /\d{6}/.exec(message.body)![0];
    const verify = await app.inject({
      method: 'POST',
      url: '/api/me/verify',
      headers: { cookie: `kh_session=${session}`, 'x-csrf-token': csrf },
      payload: { channel: 'email', code },
    });
    assert.equal(verify.statusCode, 200);
    const text = lines.join('');
    assert.ok(lines.length > 0);
    for (const secret of [password, session, csrf]) assert.ok(!text.includes(secret), 'a secret reached the logs');
    // Digits inside longer numbers (timestamps) are not the code.
    assert.ok(!new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text), 'the verification code reached the logs');
  } finally {
    await runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
