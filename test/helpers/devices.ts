// Test devices: put them in the registry as an operator would, and bind them as an owner would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api, ok } from './api.ts';
import type { Harness } from './harness.ts';
import { signUp, verifyEmail, type Person } from './people.ts';

export interface TestDevice {
  serial: string;
  code: string;
  kind: 'camera' | 'recorder' | 'doorbell' | 'alarm_hub';
  model: string;
  channels: number;
}

/** A fresh, unique serial (the registry is shared by every test of a suite). */
export function newSerial(prefix = 'T'): string {
  return `${prefix}-${randomBytes(5).toString('hex').toUpperCase()}`;
}

/** An account that is an operator: registered normally, then promoted in the database. */
export async function signUpOperator(h: Harness, name = 'Operator'): Promise<Person> {
  // Promoted before its first authenticated request, so no cached session remembers it as a non-operator.
  const p = await signUp(h, name, { verified: false });
  await h.runtime.ctx.db.updateTable('accounts').set({ is_operator: 1 }).where('id', '=', p.id).execute();
  await verifyEmail(h, p);
  return p;
}

const operators = new WeakMap<Harness, Person>();

async function operatorFor(h: Harness): Promise<Person> {
  let op = operators.get(h);
  if (!op) {
    op = await signUpOperator(h);
    operators.set(h, op);
  }
  return op;
}

/** Imports devices through the admin endpoint; returns what a label would show (serial and code). */
export async function registerDevices(
  h: Harness,
  specs: Array<Partial<TestDevice> & { capabilities?: Record<string, boolean | number | string> }>,
): Promise<TestDevice[]> {
  const op = await operatorFor(h);
  const devices = specs.map((s) => ({
    serial: s.serial ?? newSerial(),
    code: s.code ?? randomBytes(3).toString('hex').toUpperCase(),
    kind: s.kind ?? 'camera',
    model: s.model ?? 'Acusense Bullet',
    channels: s.channels ?? (s.kind === 'recorder' ? 8 : 1),
    capabilities: s.capabilities,
  }));
  const res = await h.request({
    method: 'POST',
    url: '/api/admin/devices/import',
    token: op.token,
    body: {
      devices: devices.map((d) => ({
        serial: d.serial,
        model: d.model,
        kind: d.kind,
        channels: d.channels,
        verificationCode: d.code,
        ...(d.capabilities ? { capabilities: d.capabilities } : {}),
      })),
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return devices.map(({ capabilities: _c, ...d }) => d);
}

export async function registerDevice(
  h: Harness,
  spec: Partial<TestDevice> & { capabilities?: Record<string, boolean | number | string> } = {},
): Promise<TestDevice> {
  return (await registerDevices(h, [spec]))[0]!;
}

/** Registers a device and binds it to the person; returns the device as the API shows it. */
export async function ownDevice(
  h: Harness,
  owner: Person,
  spec: Partial<TestDevice> & { capabilities?: Record<string, boolean | number | string> } = {},
) {
  const d = await registerDevice(h, spec);
  const view = await ok(
    api(h, owner.token).POST('/api/devices/bind', { body: { serial: d.serial, verificationCode: d.code } }),
    201,
  );
  return { ...d, id: view.id, view };
}
