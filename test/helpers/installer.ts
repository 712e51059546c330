// Installer-side test helpers: verified people, organizations, sites with devices, a handed-over site,
// and the access check as the installer's member would ask it.
import assert from 'node:assert/strict';
import { api, ok, type RequestOf } from './api.ts';
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
  return ok(api(h, admin.token).POST('/api/orgs', { body: { name } }), 201);
}

/** Makes `person` a member of the org through the invitation flow (the person must have a verified email). */
export async function addMember(
  h: Harness,
  admin: Person,
  orgId: string,
  person: Person,
  role: 'admin' | 'technician' = 'technician',
): Promise<void> {
  const inv = await ok(
    api(h, admin.token).POST('/api/orgs/{orgId}/invitations', {
      params: { path: { orgId } },
      body: { email: person.email, role },
    }),
    201,
  );
  await ok(
    api(h, person.token).POST('/api/org-invitations/{invitationId}/accept', {
      params: { path: { invitationId: inv.id } },
    }),
    200,
  );
}

export async function createSite(
  h: Harness,
  member: Person,
  orgId: string,
  name = 'Baldoyle Storage',
): Promise<{ id: string }> {
  return ok(
    api(h, member.token).POST('/api/orgs/{orgId}/sites', {
      params: { path: { orgId } },
      body: { name, address: '1 Harbour Rd', timeZone: 'Europe/Dublin' },
    }),
    201,
  );
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
    const added = await ok(
      api(h, member.token).POST('/api/sites/{siteId}/devices', {
        params: { path: { siteId } },
        body: { serial: d.serial, verificationCode: d.code },
      }),
      201,
    );
    out.push({ ...d, id: added.deviceId });
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
  const inv = await ok(
    api(h, installer.token).POST('/api/sites/{siteId}/handover', {
      params: { path: { siteId: site.id } },
      body: {
        email: owner.email,
        devices: devices.map((d) => ({ deviceId: d.id, permissions: keep })),
      },
    }),
    201,
  );
  await ok(
    api(h, owner.token).POST('/api/handover-invitations/{invitationId}/accept', {
      params: { path: { invitationId: inv.id } },
      body: {},
    }),
    200,
  );
  return { installer, owner, org, site, devices, invitationId: inv.id };
}

/** The access decision as `person` would get it. */
export async function check(
  h: Harness,
  person: Person,
  deviceId: string,
  permission: string,
  channel: number | null = 1,
) {
  // A single check (no `checks` batch) answers one decision.
  const decision = await ok(
    api(h, person.token).POST('/api/access/check', {
      // Tests ask for any permission name, known to the API or not.
      body: { deviceId, permission, ...(channel === null ? {} : { channel }) } as RequestOf<'checkAccess'>,
    }),
    200,
  );
  return decision as { allowed: boolean; reason?: string; detail?: string; source?: string };
}

export async function inbox(h: Harness, person: Person) {
  const page = await ok(api(h, person.token).GET('/api/inbox', { params: { query: { limit: 100 } } }), 200);
  return page.items;
}

export async function outboxTo(h: Harness, recipient: string) {
  return h.runtime.ctx.db.selectFrom('outbox').selectAll().where('recipient', '=', recipient).execute();
}

export const HOUR = 60 * 60 * 1000;
