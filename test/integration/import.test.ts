import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, ok, problemOf, statusOf, type RequestOf } from '../helpers/api.ts';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { newSerial, signUpOperator } from '../helpers/devices.ts';

const HEADER = 'serial,model,kind,channels,verification_code,channel_names,capabilities,firmware_version';

describeEachDatabase('device registry import', (h) => {
  const importCsv = (token: string | undefined, csv: string) =>
    api(h(), token).POST('/api/admin/devices/import', {
      body: csv,
      bodySerializer: (text) => String(text),
      headers: { 'content-type': 'text/csv' },
    });
  const countSerials = async (serials: string[]) =>
    (await h().runtime.ctx.db.selectFrom('devices').select('id').where('serial', 'in', serials).execute()).length;

  test('an operator imports a CSV file; the devices can then be bound as described', async () => {
    const op = await signUpOperator(h());
    const nvr = newSerial('NVR');
    const cam = newSerial('CAM');
    const csv = [
      HEADER,
      `${nvr},Coastal I-Series NVR,nvr,8,ABC123,"Gate|Drive, left||Yard",supportsSharing=true;ptz=false,4.1.0`,
      `${cam},Acusense Bullet,camera,,QWE789,,supportsSharing=false,`,
    ].join('\r\n');
    const res = await ok(importCsv(op.token, csv), 201);
    assert.equal(res.imported, 2);
    assert.deepEqual(
      res.devices.map((d) => d.serial),
      [nvr, cam],
    );

    const owner = await signUp(h(), 'Owner');
    const asOwner = api(h(), owner.token);
    const d = await ok(asOwner.POST('/api/devices/bind', { body: { serial: nvr, verificationCode: 'abc123' } }), 201);
    assert.equal(d.kind, 'recorder');
    assert.equal(d.firmwareVersion, '4.1.0');
    assert.deepEqual(d.capabilities, { supportsSharing: true, ptz: false });
    assert.deepEqual(d.channels.slice(0, 4), [
      { number: 1, name: 'Gate' },
      { number: 2, name: 'Drive, left' },
      { number: 3, name: 'Channel 3' },
      { number: 4, name: 'Yard' },
    ]);
    assert.equal(d.channels.length, 8);

    const camera = await ok(asOwner.POST('/api/devices/bind', { body: { serial: cam, verificationCode: 'QWE789' } }));
    assert.equal(camera.supportsSharing, false);
    assert.equal(camera.channels.length, 1);
  });

  test('one bad line: nothing is imported and the error names the line and column', async () => {
    const op = await signUpOperator(h());
    const good = newSerial();
    const bad = newSerial();
    const res = importCsv(op.token, `${HEADER}\n${good},Model,camera,1,ABCD,,,\n${bad},Model,toaster,1,ABCD,,,\n`);
    const problem = await problemOf(res, 400);
    assert.match(problem.detail, /^Line 3: "toaster" is not a device kind/);
    assert.equal(problem.field, 'line 3.kind');
    assert.equal(await countSerials([good, bad]), 0);
  });

  test('a serial already in the registry: 409 naming the line, nothing imported', async () => {
    const op = await signUpOperator(h());
    const existing = newSerial();
    assert.equal(await statusOf(importCsv(op.token, `${HEADER}\n${existing},Model,camera,1,ABCD,,,\n`)), 201);
    const fresh = newSerial();
    const problem = await problemOf(
      importCsv(
        op.token,
        `${HEADER}\n${fresh},Model,camera,1,ABCD,,,\n${existing.toLowerCase()},Model,camera,1,ABCD,,,\n`,
      ),
      409,
    );
    assert.match(problem.detail, new RegExp(`^Line 3: the serial ${existing} is already in the registry`));
    assert.equal(await countSerials([fresh]), 0);
  });

  test('malformed files: syntax, header, field counts, duplicates – 400, nothing imported', async () => {
    const op = await signUpOperator(h());
    const s = newSerial();
    const cases: Array<[string, RegExp]> = [
      [`${HEADER}\n${s},"Model,camera,1,ABCD,,,\n`, /quoted field is not closed/],
      [`serial,model,kind,colour,verification_code\n${s},M,camera,red,ABCD\n`, /"colour" is not a known column/],
      [`serial,model,kind\n${s},M,camera\n`, /column "verification_code" is missing/],
      [`${HEADER}\n${s},M,camera,1,ABCD\n`, /^Line 2: 5 fields, but the header has 8/],
      [
        `${HEADER}\n${s},M,camera,1,ABCD,,,\n${s},M,camera,1,ABCD,,,\n`,
        /^Line 3: the serial .* already appears at line 2/,
      ],
      [`${HEADER}\n${s},M,recorder,300,ABCD,,,\n`, /^Line 2: A recorder has 1 to 256 channels/],
      [`${HEADER}\n${s},M,camera,1,AB,,,\n`, /^Line 2: The verification code/],
      [`${HEADER}\n${s},M,camera,1,ABCD,,supportsSharing=perhaps,\n`, /^Line 2: supportsSharing must be true or false/],
      [`${HEADER}\n`, /no devices/],
    ];
    for (const [csv, pattern] of cases) assert.match((await problemOf(importCsv(op.token, csv), 400)).detail, pattern);
    assert.equal(await countSerials([s]), 0);
  });

  test('JSON rows: the same rules, errors name the device and field', async () => {
    const op = await signUpOperator(h());
    const a = newSerial();
    const b = newSerial();
    // Loosely typed on purpose: the bad rows are what the test sends.
    const post = (body: unknown) =>
      api(h(), op.token).POST('/api/admin/devices/import', { body: body as RequestOf<'importDevices'> });
    const bad = await problemOf(
      post({
        devices: [
          { serial: a, model: 'M', kind: 'camera', verificationCode: 'ABCD' },
          { serial: b, model: 'M', kind: 'fridge', verificationCode: 'ABCD' },
        ],
      }),
      400,
    );
    assert.match(bad.detail, /^Device 2: "fridge" is not a device kind/);
    assert.equal(bad.field, 'devices.1.kind');
    const unknown = await problemOf(
      post({ devices: [{ serial: a, model: 'M', kind: 'camera', verificationCode: 'ABCD', colour: 'red' }] }),
      400,
    );
    assert.equal(unknown.field, 'devices.0.colour');
    const missing = await problemOf(post({ devices: [{ serial: a, model: 'M', kind: 'camera' }] }), 400);
    assert.equal(missing.field, 'devices.0.verificationCode');
    await problemOf(post({ devices: [] }), 400);
    await problemOf(
      post({ devices: [{ serial: 'bad serial!', model: 'M', kind: 'camera', verificationCode: 'ABCD' }] }),
      400,
    );
    assert.equal(await countSerials([a, b]), 0);

    const accepted = post({
      devices: [
        {
          serial: a,
          model: 'AX PRO',
          kind: 'alarm_hub',
          verificationCode: 'ABCD',
          capabilities: { supportsSharing: false },
          firmwareVersion: '1.2',
        },
      ],
    });
    assert.equal((await ok(accepted, 201)).imported, 1);
  });

  test('only operators may import: 403 for others, 401 logged out, nothing imported', async () => {
    const person = await signUp(h(), 'Not an operator');
    const s = newSerial();
    const csv = `${HEADER}\n${s},Model,camera,1,ABCD,,,\n`;
    const forbidden = await problemOf(importCsv(person.token, csv), 403);
    assert.match(forbidden.detail, /operator/);
    await problemOf(importCsv(undefined, csv), 401);
    assert.equal(await countSerials([s]), 0);
  });

  test('other content types are refused', async () => {
    const op = await signUpOperator(h());
    const res = api(h(), op.token).POST('/api/admin/devices/import', {
      body: '<devices/>' as never,
      bodySerializer: (text) => String(text),
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(await statusOf(res), 415);
  });
});
