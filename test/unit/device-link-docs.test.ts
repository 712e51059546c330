// docs/device-link.md is the protocol's public contract: its JSON Schemas must be the ones the code checks with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CommandMessage,
  CommandParams,
  HealthMessage,
  ReplyMessage,
  StatusMessage,
  deviceMay,
  parseHealth,
  parseStatus,
  parseTopic,
  problemsIn,
  topics,
} from '../../src/device-link/protocol.ts';

const DOC = fs.readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/device-link.md'),
  'utf8',
);

function documented(heading: string): unknown {
  const m = new RegExp(`### ${heading}\\n\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  assert.ok(m, `docs/device-link.md has no JSON block under "### ${heading}"`);
  return JSON.parse(m[1]!);
}

test('the documented JSON Schemas are the ones the code validates with', () => {
  const plain = (s: unknown) => JSON.parse(JSON.stringify(s));
  assert.deepEqual(documented('StatusMessage'), plain(StatusMessage));
  assert.deepEqual(documented('HealthMessage'), plain(HealthMessage));
  assert.deepEqual(documented('CommandMessage'), plain(CommandMessage));
  assert.deepEqual(documented('ReplyMessage'), plain(ReplyMessage));
  assert.deepEqual(documented('Command parameters'), plain(CommandParams));
});

test('topics: a device publishes and subscribes only its own', () => {
  const a = 'dev_AAAAAAAAAAAAAAAAAAAAAA';
  const b = 'dev_BBBBBBBBBBBBBBBBBBBBBB';
  assert.deepEqual(parseTopic('keyholder', topics.status('keyholder', a)), { deviceId: a, kind: 'status' });
  assert.deepEqual(parseTopic('keyholder', topics.reply('keyholder', a, 'k1')), {
    deviceId: a,
    kind: 'reply',
    instance: 'k1',
  });
  assert.equal(parseTopic('keyholder', `keyholder/v2/devices/${a}/status`), null);
  assert.equal(parseTopic('keyholder', `keyholder/v1/devices/${a}/status/extra`), null);
  assert.equal(parseTopic('keyholder', `keyholder/v1/devices/not-a-device/status`), null);
  assert.ok(deviceMay('keyholder', a, 'publish', topics.health('keyholder', a)));
  assert.ok(!deviceMay('keyholder', a, 'publish', topics.health('keyholder', b)));
  assert.ok(!deviceMay('keyholder', a, 'publish', topics.commands('keyholder', a)));
  assert.ok(deviceMay('keyholder', a, 'subscribe', topics.commands('keyholder', a)));
  assert.ok(!deviceMay('keyholder', a, 'subscribe', 'keyholder/v1/devices/+/commands'));
  assert.ok(!deviceMay('keyholder', a, 'subscribe', '#'));
});

test('parsing: bounded, versioned, closed', () => {
  const ok = parseStatus(Buffer.from('{"v":1,"state":"online"}'));
  assert.equal(ok.ok, true);
  const r = (text: string | Buffer) => {
    const p = parseHealth(Buffer.isBuffer(text) ? text : Buffer.from(text));
    return p.ok ? 'ok' : p.reason;
  };
  assert.equal(r('{"v":1,"storage":[],"channels":[]}'), 'ok');
  assert.equal(r('{"v":2,"storage":[],"channels":[]}'), 'unknown_version');
  assert.equal(r('{"v":1,"storage":[],"channels":[],"extra":1}'), 'invalid');
  assert.equal(r('nope'), 'not_json');
  assert.equal(r(Buffer.alloc(17 * 1024, 32)), 'oversized');
});

test('health → problems: storage, per-channel video loss and tampering, clock; channels past the count ignored', () => {
  const problems = problemsIn(
    {
      v: 1,
      storage: [
        { slot: 1, state: 'error' },
        { slot: 2, state: 'full' },
        { slot: 3, state: 'ok' },
      ],
      channels: [
        { channel: 1, videoLoss: true, tampering: false },
        { channel: 2, videoLoss: false, tampering: true },
        { channel: 9, videoLoss: true, tampering: true },
      ],
      clockDriftMs: -6 * 60_000,
    },
    4,
  );
  assert.deepEqual(
    problems.map((p) => `${p.kind}:${p.channel}`),
    ['storage_error:0', 'storage_full:0', 'video_loss:1', 'tampering:2', 'clock_drift:0'],
  );
  assert.deepEqual(problemsIn({ v: 1, storage: [], channels: [], clockDriftMs: 60_000 }, 1), []);
});
