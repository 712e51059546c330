import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';

function refused(env: Record<string, string>, variable: string): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    assert.ok(err.message.startsWith(variable), `"${err.message}" should name ${variable} first`);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
}

test('defaults: port 8080, SQLite in ./data, no dev mailbox page, demo on', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.dataDir, path.resolve('data'));
  assert.equal(c.smtpUrl, null);
  assert.equal(c.devMailbox, false);
  assert.equal(c.trustProxy, false);
  assert.equal(c.rateLimitScale, 1);
  assert.equal(c.metricsToken, null);
  assert.equal(c.demo, true);
  assert.equal(c.demoPassword, null);
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.maxShareRecipients, 6);
  assert.equal(c.cookieSecure, true);
});

test('good values are read', () => {
  const c = loadConfig({
    PORT: '9000',
    DATABASE_URL: 'postgres://u:p@db:5432/keyholder',
    SMTP_URL: 'smtp://mail.example.com:587',
    PUBLIC_URL: 'https://keys.example.com/',
    LOG_LEVEL: 'warn',
    KEYHOLDER_DEMO: '0',
    KEYHOLDER_DEMO_PASSWORD: 'demo password',
    MAX_SHARE_RECIPIENTS: '10',
    SCRYPT_COST: '16384',
    COOKIE_SECURE: 'false',
    INVITATION_TTL_DAYS: '3',
  });
  assert.equal(c.port, 9000);
  assert.equal(c.databaseUrl, 'postgres://u:p@db:5432/keyholder');
  assert.equal(c.devMailbox, false);
  assert.equal(c.publicUrl, 'https://keys.example.com');
  assert.equal(c.demo, false);
  assert.equal(c.demoPassword, 'demo password');
  assert.equal(c.maxShareRecipients, 10);
  assert.equal(c.scryptCost, 16384);
  assert.equal(c.cookieSecure, false);
  assert.equal(c.invitationTtlMs, 3 * 24 * 60 * 60 * 1000);
});

test('bad values are refused with one line naming the variable and why', () => {
  assert.equal(refused({ PORT: 'abc' }, 'PORT'), 'PORT must be a whole number, got "abc"');
  assert.match(refused({ PORT: '70000' }, 'PORT'), /between 0 and 65535/);
  refused({ PORT: '-1' }, 'PORT');
  refused({ PORT: '80.5' }, 'PORT');
  assert.match(refused({ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'), /postgres:\/\//);
  refused({ DATABASE_URL: 'not a url' }, 'DATABASE_URL');
  refused({ SMTP_URL: 'http://mail' }, 'SMTP_URL');
  refused({ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL');
  refused({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL');
  refused({ KEYHOLDER_DEMO: 'perhaps' }, 'KEYHOLDER_DEMO');
  refused({ KEYHOLDER_DEMO_PASSWORD: 'short' }, 'KEYHOLDER_DEMO_PASSWORD');
  refused({ COOKIE_SECURE: '2' }, 'COOKIE_SECURE');
  assert.match(refused({ SCRYPT_COST: '20000' }, 'SCRYPT_COST'), /power of two/);
  refused({ SCRYPT_COST: '512' }, 'SCRYPT_COST');
  refused({ MAX_SHARE_RECIPIENTS: '0' }, 'MAX_SHARE_RECIPIENTS');
  refused({ INVITATION_TTL_DAYS: 'week' }, 'INVITATION_TTL_DAYS');
  refused({ APPLICATION_TTL_DAYS: '0' }, 'APPLICATION_TTL_DAYS');
  refused({ STREAM_TICKET_TTL_SECONDS: '1' }, 'STREAM_TICKET_TTL_SECONDS');
  refused({ MAIL_FROM: 'nobody' }, 'MAIL_FROM');
  refused({ HOST: 'bad host!' }, 'HOST');
});

test('a database URL with a password is never echoed back in the error', () => {
  const message = refused({ DATABASE_URL: 'mysql://user:s3cret@db/x' }, 'DATABASE_URL');
  assert.ok(!message.includes('s3cret'));
});

test('the dev mailbox page is on only when asked for, without SMTP, and never in production', () => {
  assert.equal(loadConfig({ DEV_MAILBOX: '1' }).devMailbox, true);
  assert.equal(loadConfig({ DEV_MAILBOX: '1', SMTP_URL: 'smtp://mail.example.com' }).devMailbox, false);
  assert.equal(loadConfig({ NODE_ENV: 'production' }).devMailbox, false);
  refused({ DEV_MAILBOX: '1', NODE_ENV: 'production' }, 'DEV_MAILBOX');
});

test('TRUST_PROXY: off, a hop count, or addresses and CIDR ranges', () => {
  assert.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy, [
    '10.0.0.1',
    '192.168.0.0/16',
    '::1',
  ]);
  refused({ TRUST_PROXY: 'proxy.example.com' }, 'TRUST_PROXY');
  refused({ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY');
  refused({ TRUST_PROXY: '99' }, 'TRUST_PROXY');
});

test('METRICS_TOKEN must be long enough to be a secret', () => {
  assert.equal(loadConfig({ METRICS_TOKEN: 'a-long-enough-secret' }).metricsToken, 'a-long-enough-secret');
  refused({ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN');
});

test('the Live screen plays HLS unless MEDIA_PROTOCOL=webrtc, which needs MEDIA_WEBRTC_URL', () => {
  assert.equal(loadConfig({}).mediaProtocol, 'hls');
  const c = loadConfig({ MEDIA_PROTOCOL: 'webrtc', MEDIA_WEBRTC_URL: 'https://site.example/media/webrtc/' });
  assert.equal(c.mediaProtocol, 'webrtc');
  assert.equal(c.mediaWebrtcUrl, 'https://site.example/media/webrtc');
  assert.throws(() => loadConfig({ MEDIA_PROTOCOL: 'webrtc' }), /MEDIA_PROTOCOL=webrtc needs MEDIA_WEBRTC_URL/);
  assert.throws(() => loadConfig({ MEDIA_PROTOCOL: 'rtsp' }), /MEDIA_PROTOCOL must be one of hls, webrtc/);
  assert.throws(() => loadConfig({ MEDIA_WEBRTC_URL: 'ftp://x' }), /MEDIA_WEBRTC_URL must start with/);
});
