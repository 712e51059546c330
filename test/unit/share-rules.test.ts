import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.ts';
import { checkShareSpec, confirmationText } from '../../src/domain/share-rules.ts';

const NOW = Date.UTC(2026, 10, 23, 9);
const nvr = { channelCount: 4 };

function refusal(fn: () => unknown): { field?: string; code?: string; detail: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError);
    return { field: e.field, code: e.code, detail: e.detail };
  }
  assert.fail('expected a refusal');
}

test('channels are sorted, permissions put in catalog order', () => {
  const spec = checkShareSpec(
    { scope: 'channels', channels: [3, 1], permissions: ['ptz', 'live_view'] },
    nvr,
    'UTC',
    NOW,
  );
  assert.deepEqual(
    [spec.channels, spec.permissions],
    [
      [1, 3],
      ['live_view', 'ptz'],
    ],
  );
  const whole = checkShareSpec({ scope: 'device', permissions: ['configuration', 'live_view'] }, nvr, 'UTC', NOW);
  assert.deepEqual([whole.channels, whole.permissions], [[], ['live_view', 'configuration']]);
});

test('the rules of a share, each refused naming the field (with a prefix for multi-device shares)', () => {
  const p = 'devices[2].';
  const cases: Array<[Parameters<typeof checkShareSpec>[0], string, string]> = [
    [{ scope: 'channels', channels: [1], permissions: ['playback'] }, `${p}permissions`, 'live_view_required'],
    [
      { scope: 'channels', channels: [1], permissions: ['live_view', 'configuration'] },
      `${p}permissions`,
      'device_level_permission',
    ],
    [{ scope: 'channels', channels: [0], permissions: ['live_view'] }, `${p}channels[0]`, 'unknown_channel'],
    [{ scope: 'channels', channels: [2, 2], permissions: ['live_view'] }, `${p}channels[1]`, 'invalid_channels'],
    [{ scope: 'channels', channels: [], permissions: ['live_view'] }, `${p}channels`, 'invalid_channels'],
    [{ scope: 'device', channels: [1], permissions: ['live_view'] }, `${p}channels`, 'invalid_channels'],
    [{ scope: 'device', permissions: ['live_view', 'live_view'] }, `${p}permissions[1]`, 'invalid_permissions'],
    [{ scope: 'device', permissions: ['live_view', 'x'] }, `${p}permissions[1]`, 'unknown_permission'],
    [
      { scope: 'device', permissions: ['live_view'], validity: { until: NOW } },
      `${p}validity.until`,
      'invalid_validity',
    ],
  ];
  for (const [input, field, code] of cases) {
    const r = refusal(() => checkShareSpec(input, nvr, 'UTC', NOW, p));
    assert.deepEqual([r.field, r.code], [field, code], JSON.stringify(input));
  }
  assert.match(refusal(() => checkShareSpec(cases[0]![0], nvr, 'UTC', NOW)).detail, /Play Video is required/);
});

test('the confirmation names device, recipient, channels, permissions and validity', () => {
  const spec = checkShareSpec(
    { scope: 'device', permissions: ['live_view', 'playback'], validity: { from: NOW, until: NOW + 86_400_000 } },
    nvr,
    'Europe/Dublin',
    NOW,
  );
  assert.equal(
    confirmationText({
      deviceName: 'Shop NVR',
      recipientName: 'Bob',
      spec,
      channelNames: new Map(),
      timeZone: 'Europe/Dublin',
    }),
    'Share "Shop NVR" with Bob: the whole device (every channel, including channels added later); permissions: Live View, Playback; valid: from 23 Nov 2026, 09:00 until 24 Nov 2026, 09:00.',
  );
});
