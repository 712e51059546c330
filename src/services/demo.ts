// The demo world `keyholder serve` seeds into an empty database (unless KEYHOLDER_DEMO=0): a few people and
// devices resembling the vendor guides', so a newcomer can log in and try every flow at once.
// Other areas add to it with a step: `async (ctx, world) => { … world.lines.push('…') }` appended to DEMO_STEPS.
import { randomBytes } from 'node:crypto';
import * as accounts from '../persistence/repositories/accounts.ts';
import type { AccountRow } from '../persistence/repositories/accounts.ts';
import { register } from './accounts.ts';
import { bindDevice, importDevicesJson, type JsonDeviceInput } from './devices.ts';
import type { ServiceContext } from './context.ts';
import { entrust } from './authorizations.ts';
import { createOrg } from './orgs.ts';
import { createShare } from './sharing.ts';
import { addDevice as addSiteDevice, createSite } from './sites.ts';

export interface DemoPerson {
  account: AccountRow;
  login: string;
}

export interface DemoDevice {
  id: string;
  serial: string;
  model: string;
  /** Printed on the label; only shown for devices left unbound for trying the bind flow. */
  verificationCode: string;
}

export interface DemoWorld {
  password: string;
  people: { owner: DemoPerson; recipient: DemoPerson; installer: DemoPerson; operator: DemoPerson };
  /** The owner's devices, by a short key: nvr, camera, doorbell, alarm. */
  devices: Record<'nvr' | 'camera' | 'doorbell' | 'alarm', DemoDevice>;
  /** In the registry, bound to no one: bind one with its serial and verification code. */
  unbound: DemoDevice[];
  /** Extra lines printed after the logins (steps add what they created). */
  lines: string[];
}

export type DemoStep = (ctx: ServiceContext, world: DemoWorld) => Promise<void>;

/** Olivia shares two NVR channels with Sam, so the recipient's Home list has something to show. */
const shareWithRecipient: DemoStep = async (ctx, world) => {
  await createShare(ctx, world.people.owner.account.id, world.devices.nvr.id, {
    recipient: { accountId: world.people.recipient.account.id },
    scope: 'channels',
    channels: [1, 2],
    permissions: ['live_view', 'playback'],
  });
  world.lines.push('Shared: Olivia → Sam, NVR channels 1-2 (Live View, Playback).');
};

/**
 * Ian runs an installer organization with a site of two devices not yet handed over (so the portal shows
 * "Not Invited / Invite Now"), and Olivia has entrusted her camera to it (so "Authorization Service" shows it).
 */
const installerCompany: DemoStep = async (ctx, world) => {
  const installerId = world.people.installer.account.id;
  const org = await createOrg(ctx, installerId, { name: 'Coastal Security Ltd' });
  const site = await createSite(ctx, installerId, org.id, {
    name: 'Baldoyle Storage Area',
    address: 'Baldoyle Industrial Estate, Dublin 13',
    timeZone: 'Europe/Dublin',
  });
  const tag = suffix();
  const siteDevices: JsonDeviceInput[] = [
    {
      serial: `DEMO-SNVR-${tag}`,
      model: 'Coastal I-Series NVR',
      kind: 'recorder',
      channels: 16,
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true },
    },
    {
      serial: `DEMO-SCAM-${tag}`,
      model: 'Acusense Audio & Light',
      kind: 'camera',
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true },
    },
  ];
  await importDevicesJson(ctx, null, siteDevices);
  for (const d of siteDevices)
    await addSiteDevice(ctx, installerId, site.id, { serial: d.serial, verificationCode: d.verificationCode });
  await entrust(ctx, world.people.owner.account.id, {
    org: org.id,
    deviceIds: [world.devices.camera.id],
    permissions: [
      { permission: 'live_view', validity: 'permanent' },
      { permission: 'configuration', validity: 'permanent' },
    ],
  });
  world.lines.push(
    `Installer: Ian's organization "Coastal Security Ltd" has site "Baldoyle Storage Area" with 2 devices, not invited yet;`,
    '  Olivia has authorized it on her Acusense camera (Live View, Configuration).',
  );
};

/** Runs after the people and devices exist, in order. */
export const DEMO_STEPS: DemoStep[] = [shareWithRecipient, installerCompany];

/** Easy to read aloud and type, hard to guess: e.g. `demo-7kq2-m9xh`. */
function demoPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `demo-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

function labelCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}

function suffix(): string {
  return randomBytes(3).toString('hex').toUpperCase();
}

async function person(
  ctx: ServiceContext,
  email: string,
  displayName: string,
  password: string,
  operator = false,
): Promise<DemoPerson> {
  const account = await register(
    ctx,
    { email, password, displayName, timeZone: 'Europe/Dublin' },
    { verified: true, operator },
  );
  return { account, login: email };
}

const NVR_CHANNELS = [
  'Front Door',
  'Driveway',
  'Back Garden',
  'Garage',
  'Side Gate',
  'Shop Floor',
  'Stock Room',
  'Car Park',
];

/** Seeds the demo world when there is no account yet; returns null (and changes nothing) otherwise. */
export async function seedDemoIfEmpty(
  ctx: ServiceContext,
  options: { password?: string } = {},
): Promise<DemoWorld | null> {
  const any = await ctx.db.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const password = options.password ?? demoPassword();
  const people = {
    owner: await person(ctx, 'owner@demo.keyholder', 'Olivia Owner', password),
    recipient: await person(ctx, 'sam@demo.keyholder', 'Sam Recipient', password),
    installer: await person(ctx, 'installer@demo.keyholder', 'Ian Installer', password),
    operator: await person(ctx, 'operator@demo.keyholder', 'Oscar Operator', password, true),
  };

  const tag = suffix();
  const owned: Record<keyof DemoWorld['devices'], JsonDeviceInput> = {
    nvr: {
      serial: `DEMO-NVR-${tag}`,
      model: 'Coastal I-Series NVR',
      kind: 'recorder',
      channels: 8,
      channelNames: NVR_CHANNELS,
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true, playback: true, download: true },
      firmwareVersion: 'V4.74.105',
    },
    camera: {
      serial: `DEMO-CAM-${tag}`,
      model: 'Acusense Audio & Light',
      kind: 'camera',
      channelNames: ['Garden (Acusense)'],
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true, twoWayAudio: true, strobeLight: true },
      firmwareVersion: 'V5.7.15',
    },
    doorbell: {
      serial: `DEMO-BELL-${tag}`,
      model: 'Video Doorbell DB11',
      kind: 'doorbell',
      channelNames: ['Front Door Bell'],
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true, twoWayAudio: true },
      firmwareVersion: 'V2.3.0',
    },
    alarm: {
      serial: `DEMO-AXPRO-${tag}`,
      model: 'AX PRO',
      kind: 'alarm_hub',
      channelNames: ['Hallway PIR camera'],
      verificationCode: labelCode(),
      capabilities: { supportsSharing: false, alarmNotifications: true },
      firmwareVersion: 'V1.2.8',
    },
  };
  const spare: JsonDeviceInput[] = [
    {
      serial: `DEMO-IPC-${tag}`,
      model: 'Bullet Camera 4MP',
      kind: 'camera',
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true },
    },
    {
      serial: `DEMO-DVR-${tag}`,
      model: '4-Channel DVR',
      kind: 'recorder',
      channels: 4,
      verificationCode: labelCode(),
      capabilities: { supportsSharing: true },
    },
  ];
  const keys = Object.keys(owned) as Array<keyof typeof owned>;
  const imported = await importDevicesJson(ctx, null, [...keys.map((k) => owned[k]), ...spare]);
  const idOf = new Map(imported.devices.map((d) => [d.serial, d.id]));
  const devices = {} as DemoWorld['devices'];
  for (const key of keys) {
    const input = owned[key];
    await bindDevice(ctx, people.owner.account.id, { serial: input.serial, verificationCode: input.verificationCode });
    devices[key] = {
      id: idOf.get(input.serial)!,
      serial: input.serial,
      model: input.model,
      verificationCode: input.verificationCode,
    };
  }
  const unbound = spare.map((d) => ({
    id: idOf.get(d.serial)!,
    serial: d.serial,
    model: d.model,
    verificationCode: d.verificationCode,
  }));

  const world: DemoWorld = { password, people, devices, unbound, lines: [] };
  for (const step of DEMO_STEPS) await step(ctx, world);
  // The owner's account row may have changed in a step; keep the world current for the caller.
  for (const p of Object.values(world.people))
    p.account = (await accounts.findAccountById(ctx.db, p.account.id)) ?? p.account;
  return world;
}

/** What `serve` prints: the logins, and the codes of the devices left for trying the bind flow. */
export function describeDemo(world: DemoWorld): string {
  const p = world.people;
  const rows = [
    `Demo world created. Every demo account's password: ${world.password}`,
    `  owner      ${p.owner.login.padEnd(28)} ${p.owner.account.display_name} (owns the NVR, camera, doorbell and alarm hub)`,
    `  recipient  ${p.recipient.login.padEnd(28)} ${p.recipient.account.display_name} (someone to share with)`,
    `  installer  ${p.installer.login.padEnd(28)} ${p.installer.account.display_name}`,
    `  operator   ${p.operator.login.padEnd(28)} ${p.operator.account.display_name} (operator: imports devices)`,
    'Devices to bind (serial / verification code on the label):',
    ...world.unbound.map((d) => `  ${d.serial.padEnd(20)} ${d.verificationCode}  ${d.model}`),
    ...world.lines,
  ];
  return rows.join('\n');
}
