// Which webhook targets are refused without the operator's say-so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget, isPrivateAddress } from '../../src/webhooks/ssrf.ts';

test('private, loopback, link-local, multicast and reserved addresses are not public', () => {
  for (const a of [
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.0.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.1.1',
    'not an ip',
  ])
    assert.equal(isPrivateAddress(a), true, a);
  for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
    assert.equal(isPrivateAddress(a), false, a);
});

test('the allow list and WEBHOOK_ALLOW_PRIVATE open exactly what they name', async () => {
  const strict = { allowPrivate: false, allowHosts: [] };
  await assert.rejects(checkTarget(strict, '127.0.0.1'), /loopback/);
  await assert.rejects(checkTarget(strict, 'localhost'), /resolves to/);
  await assert.rejects(checkTarget(strict, '[::1]'), /resolves to ::1/);
  assert.deepEqual(await checkTarget({ allowPrivate: false, allowHosts: ['127.0.0.1'] }, '127.0.0.1'), ['127.0.0.1']);
  await assert.rejects(checkTarget({ allowPrivate: false, allowHosts: ['127.0.0.1'] }, '10.0.0.1'));
  assert.deepEqual(await checkTarget({ allowPrivate: true, allowHosts: [] }, '10.0.0.1'), ['10.0.0.1']);
  assert.deepEqual(await checkTarget(strict, '1.1.1.1'), ['1.1.1.1']);
});
