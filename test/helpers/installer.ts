// Installer-side test helpers: verified people, organizations, sites with devices, a handed-over site,
// and the access check as the installer's member would ask it.
import assert from 'node:assert/strict';
import type { Harness } from './harness.ts';
import { signUp, type Person } from './people.ts';
import { registerDevices, type TestDevice } from './devices.ts';

/** Reads the code from the outbox (as the person would from their mail) and verifies the address through the API. */
export async function verifyEmail(h: Harness, p: Person): Promise<void> {
  const rows = await h.runtime.ctx.db
    .selectFrom('outbox')
    .selectAll()
    .where('recipient', '=', p.email)
    .where('channel', '=', 'email')
    .execute();
  const codes = rows.map((r) => /verification code: (\d{6})/.exec(r.subject)?.[1]).filter((c): c is string => !!c);
  assert.ok(codes.length > 0, 'no verification code was mailed');
  const res = await h.request({
    method: 'POST',
    url: '/api/me/verify',
    token: p.token,
    body: { channel: 'email', code: codes[codes.length - 1] },
  });
  assert.equal(res.statusCode, 200, res.body);
}

export async function verifyPhone(h: Harness, p: Person, phone: string): Promise<void> {
  const rows = await h.runtime.ctx.db
    .selectFrom('outbox')
    .selectAll()
    .where('recipient', '=', phone)
    .where('channel', '=', 'sms')
    .execute();
  const codes = rows.map((r) => /code: (\d{6})/.exec(r.body)?.[1]).filter((c): c is string => !!c);
  assert.ok(codes.length > 0, 'no verification code was texted');
  const res = await h.request({
    method: 'POST',
    url: '/api/me/verify',
    token: p.token,
    body: { channel: 'phone', code: codes[codes.length - 1] },
  });
  assert.equal(res.statusCode, 200, res.body);
}

export async function verifiedPerson(h: Harness, name: string, extra: { phone?: string } = {}): Promise<Person> {
  const p = await signUp(h, name, { ...extra, verified: false });
  await verifyEmail(h, p);
  return p;
}

export async function createOrg(
  h: Harness,
  admin: Person,
  name = 'Coastal Security',
): Promise<{ id: string; qrText: string }> {
  const res = await h.request({ method: 'POST', url: '/api/orgs', token: admin.token, body: { name } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** Makes `person` a member of the org through the invitation flow (the person must have a verified email). */
export async function addMember(
  h: Harness,
  admin: Person,
  orgId: string,
  person: Person,
  role: 'admin' | 'technician' = 'technician',
): Promise<void> {
  const inv = await h.request({
    method: 'POST',
    url: `/api/orgs/${orgId}/invitations`,
    token: admin.token,
    body: { email: person.email, role },
  });
  assert.equal(inv.statusCode, 201, inv.body);
  const acc = await h.request({
    method: 'POST',
    url: `/api/org-invitations/${inv.json().id}/accept`,
    token: person.token,
  });
  assert.equal(acc.statusCode, 200, acc.body);
}

export async function createSite(
  h: Harness,
  member: Person,
  orgId: string,
  name = 'Baldoyle Storage',
): Promise<{ id: string }> {
  const res = await h.request({
    method: 'POST',
    url: `/api/orgs/${orgId}/sites`,
    token: member.token,
    body: { name, address: '1 Harbour Rd', timeZone: 'Europe/Dublin' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

export interface SiteDevice extends TestDevice {
  id: string;
}

/** Registers devices and adds them to the site by serial + code. */
export async function addSiteDevices(
  h: Harness,
  member: Person,
  siteId: string,
  specs: Array<Partial<TestDevice>>,
): Promise<SiteDevice[]> {
  const devices = await registerDevices(h, specs);
  const out: SiteDevice[] = [];
  for (const d of devices) {
    const res = await h.request({
      method: 'POST',
      url: `/api/sites/${siteId}/devices`,
      token: member.token,
      body: { serial: d.serial, verificationCode: d.code },
    });
    assert.equal(res.statusCode, 201, res.body);
    out.push({ ...d, id: res.json().deviceId });
  }
  return out;
}

export interface HandedOver {
  installer: Person;
  owner: Person;
  org: { id: string; qrText: string };
  site: { id: string };
  devices: SiteDevice[];
  invitationId: string;
}

/** Flow 5 in one call: org, site, devices, invitation asking `keep` on every device, owner accepts. */
export async function handedOverSite(
  h: Harness,
  opts: { devices?: number; keep?: Array<{ permission: string; validity: string; until?: number }> } = {},
): Promise<HandedOver> {
  const installer = await verifiedPerson(h, 'Installer');
  const owner = await verifiedPerson(h, 'Owner');
  const org = await createOrg(h, installer);
  const site = await createSite(h, installer, org.id);
  const devices = await addSiteDevices(
    h,
    installer,
    site.id,
    Array.from({ length: opts.devices ?? 2 }, () => ({})),
  );
  const keep = opts.keep ?? [
    { permission: 'live_view', validity: 'permanent' },
    { permission: 'configuration', validity: 'permanent' },
    { permission: 'playback', validity: 'permanent' },
  ];
  const inv = await h.request({
    method: 'POST',
    url: `/api/sites/${site.id}/handover`,
    token: installer.token,
    body: { email: owner.email, devices: devices.map((d) => ({ deviceId: d.id, permissions: keep })) },
  });
  assert.equal(inv.statusCode, 201, inv.body);
  const acc = await h.request({
    method: 'POST',
    url: `/api/handover-invitations/${inv.json().id}/accept`,
    token: owner.token,
    body: {},
  });
  assert.equal(acc.statusCode, 200, acc.body);
  return { installer, owner, org, site, devices, invitationId: inv.json().id };
}

/** The access decision as `person` would get it. */
export async function check(
  h: Harness,
  person: Person,
  deviceId: string,
  permission: string,
  channel: number | null = 1,
) {
  const res = await h.request({
    method: 'POST',
    url: '/api/access/check',
    token: person.token,
    body: { deviceId, permission, ...(channel === null ? {} : { channel }) },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { allowed: boolean; reason?: string; detail?: string; source?: string };
}

export async function inbox(h: Harness, person: Person) {
  const res = await h.request({ method: 'GET', url: '/api/inbox?limit=100', token: person.token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().items as Array<{
    id: string;
    kind: string;
    title: string;
    body: string;
    data: Record<string, unknown>;
  }>;
}

export async function outboxTo(h: Harness, recipient: string) {
  return h.runtime.ctx.db.selectFrom('outbox').selectAll().where('recipient', '=', recipient).execute();
}

export const HOUR = 60 * 60 * 1000;
