import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.ts';
import {
  channelNamesFor,
  checkChannelCount,
  checkDeviceName,
  normalizeSerial,
  normalizeVerificationCode,
  parseCapabilities,
  parseCsv,
  parseDeviceCsv,
  parseKind,
} from '../../src/domain/devices.ts';

function invalidWith(fn: () => unknown, pattern: RegExp, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.kind, 'invalid');
    assert.match(err.detail, pattern);
    if (field !== undefined) assert.equal(err.field, field);
    return true;
  });
}

const HEADER = 'serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version';

test('serials are trimmed and upper-cased; malformed ones are refused', () => {
  assert.equal(normalizeSerial('  6g0f1234paz  '), '6G0F1234PAZ');
  assert.equal(normalizeSerial('ds-2cd-0001'), 'DS-2CD-0001');
  invalidWith(() => normalizeSerial('abc'), /not a valid serial/, 'serial');
  invalidWith(() => normalizeSerial('A'.repeat(33)), /not a valid serial/);
  invalidWith(() => normalizeSerial('AB CD12'), /not a valid serial/);
  invalidWith(() => normalizeSerial('-ABCD'), /not a valid serial/);
  invalidWith(() => normalizeSerial('ABC/123'), /not a valid serial/);
});

test('verification codes ignore case and spaces, and must be 4-32 letters or digits', () => {
  assert.equal(normalizeVerificationCode(' abc def '), 'ABCDEF');
  invalidWith(() => normalizeVerificationCode('ab1'), /4 to 32/);
  invalidWith(() => normalizeVerificationCode('abc-def'), /4 to 32/);
});

test('kinds accept the vendor words for recorders', () => {
  assert.equal(parseKind('NVR'), 'recorder');
  assert.equal(parseKind('dvr'), 'recorder');
  assert.equal(parseKind('Alarm_Hub'), 'alarm_hub');
  invalidWith(() => parseKind('toaster'), /not a device kind/, 'kind');
});

test('channel counts follow the kind', () => {
  assert.equal(checkChannelCount('camera', null), 1);
  assert.equal(checkChannelCount('doorbell', 1), 1);
  assert.equal(checkChannelCount('recorder', 256), 256);
  invalidWith(() => checkChannelCount('recorder', null), /must state/);
  invalidWith(() => checkChannelCount('recorder', 257), /1 to 256/);
  invalidWith(() => checkChannelCount('recorder', 0), /1 to 256/);
  invalidWith(() => checkChannelCount('doorbell', 2), /exactly 1/);
});

test('channel names default to "Channel N" and blanks keep the default', () => {
  assert.deepEqual(channelNamesFor(3, ['Gate', '', 'Yard']), ['Gate', 'Channel 2', 'Yard']);
  assert.deepEqual(channelNamesFor(2, []), ['Channel 1', 'Channel 2']);
  invalidWith(() => channelNamesFor(1, ['a', 'b']), /2 channel names given for 1/);
  invalidWith(() => channelNamesFor(1, ['x'.repeat(65)]), /at most 64/, 'channelNames.1');
});

test('device names are trimmed, non-empty, short and without control characters', () => {
  assert.equal(checkDeviceName('  Front door '), 'Front door');
  invalidWith(() => checkDeviceName('   '), /must not be empty/);
  invalidWith(() => checkDeviceName('x'.repeat(65)), /at most 64/);
  invalidWith(() => checkDeviceName('a\u0007b'), /control characters/);
});

test('capabilities parse typed values and default supportsSharing to true', () => {
  assert.deepEqual(parseCapabilities(''), { supportsSharing: true });
  assert.deepEqual(parseCapabilities('supportsSharing=false; ptz=true;maxStreams=4;codec=h265;twoWayAudio'), {
    supportsSharing: false,
    ptz: true,
    maxStreams: 4,
    codec: 'h265',
    twoWayAudio: true,
  });
  invalidWith(() => parseCapabilities('ptz=true;ptz=false'), /given twice/);
  invalidWith(() => parseCapabilities('supportsSharing=maybe'), /true or false/);
  invalidWith(() => parseCapabilities('bad key=1'), /not a capability name/);
});

test('CSV: quotes, doubled quotes, commas and CRLF inside fields', () => {
  const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",z\n');
  assert.deepEqual(rows, [
    { line: 1, cells: ['a', 'b'] },
    { line: 2, cells: ['x, y', 'say "hi"'] },
    { line: 4, cells: ['multi\nline', 'z'] },
  ]);
  invalidWith(() => parseCsv('a,"b\n'), /Line 1: a quoted field is not closed/);
  invalidWith(() => parseCsv('a,b"c\n'), /Line 1: a quote inside an unquoted field/);
});

test('the import file gives fully checked devices', () => {
  const csv = [
    HEADER,
    'c1-0001,Coastal I-Series NVR,nvr,8,abc123,Gate|Drive||Yard,supportsSharing=true;ptz=false,4.1.0',
    'c1-0002,Acusense Bullet,camera,,QWERTY,,,',
  ].join('\n');
  const [nvr, cam] = parseDeviceCsv(csv);
  assert.equal(nvr!.record.serial, 'C1-0001');
  assert.equal(nvr!.record.kind, 'recorder');
  assert.equal(nvr!.record.channelCount, 8);
  assert.equal(nvr!.record.verificationCode, 'ABC123');
  assert.deepEqual(nvr!.record.channelNames.slice(0, 5), ['Gate', 'Drive', 'Channel 3', 'Yard', 'Channel 5']);
  assert.equal(nvr!.record.firmwareVersion, '4.1.0');
  assert.equal(nvr!.record.supportsSharing, true);
  assert.equal(cam!.record.channelCount, 1);
  assert.deepEqual(cam!.record.channelNames, ['Channel 1']);
  assert.equal(cam!.record.firmwareVersion, null);
  assert.equal(cam!.place.label, 'Line 3');
});

test('columns may come in any order and optional ones may be left out', () => {
  const [only] = parseDeviceCsv('kind,verification_code,model,serial\ndoorbell,abcd,Door,DB-0001\n');
  assert.equal(only!.record.serial, 'DB-0001');
  assert.equal(only!.record.kind, 'doorbell');
});

test('import errors name the line and the column', () => {
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nAB-0001,M,camera,1,abcd,,,\nAB-0002,M,toaster,1,abcd,,,\n`),
    /^Line 3: "toaster" is not a device kind/,
    'line 3.kind',
  );
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nA!,M,camera,1,abcd,,,\n`),
    /^Line 2: .*not a valid serial/,
    'line 2.serial',
  );
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nAB-0001,M,recorder,,abcd,,,\n`),
    /^Line 2: A recorder must state/,
    'line 2.channels',
  );
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nAB-0001,M,recorder,four,abcd,,,\n`),
    /^Line 2: "four" is not a number/,
    'line 2.channels',
  );
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nAB-0001,M,camera,1,abcd,,\n`),
    /^Line 2: 7 fields, but the header has 8/,
  );
  invalidWith(
    () => parseDeviceCsv(`${HEADER}\nab-0001,M,camera,1,abcd,,,\nAB-0001,M,camera,1,abcd,,,\n`),
    /^Line 3: the serial AB-0001 already appears at line 2/,
  );
  invalidWith(
    () => parseDeviceCsv('serial,model,kind\nAB-0001,M,camera\n'),
    /the column "verification_code" is missing/,
  );
  invalidWith(() => parseDeviceCsv('serial,model,kind,colour,verification_code\n'), /"colour" is not a known column/);
  invalidWith(() => parseDeviceCsv(`${HEADER}\n`), /no devices/);
  invalidWith(() => parseDeviceCsv(''), /empty/);
});
