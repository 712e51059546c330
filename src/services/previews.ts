// Change previews: what a change would do to who may do what, before it is made, in structured form and in
// sentences. The change itself is run (the same service function, guards, validation and writes) in a
// transaction that is always rolled back; the facts of every device it touched are read inside that
// transaction, then again after the rollback, and the pure diff (src/domain/access-diff.ts) compares them.
// So a preview can never disagree with the change it describes, and refuses whoever the change refuses.
import type { Transaction } from 'kysely';
import {
  diffAccess,
  nothingChanges,
  sentenceOf,
  type AccessDelta,
  type PreviewLanguage,
  type SubjectRef,
} from '../domain/access-diff.ts';
import type { DeviceFacts } from '../domain/access.ts';
import { readFacts } from '../persistence/repositories/fact-loader.ts';
import type { Database } from '../persistence/schema.ts';
import { revokeEverything } from './access-review.ts';
import { cancelAuthorization, setDevicePermissions, withdrawPermission } from './authorizations.ts';
import type { AccessChange, ServiceContext } from './context.ts';
import { acceptInvitation } from './handover.ts';
import {
  createBulkShare,
  createShare,
  endShare,
  revokeAllShares,
  updateShare,
  type BulkShareInput,
  type ShareInput,
  type SharePatch,
} from './sharing.ts';
import type { PermissionInput } from './authorizations.ts';

export type PreviewRequest = { language?: PreviewLanguage } & (
  | ({ kind: 'share.create'; deviceId: string } & ShareInput)
  | ({ kind: 'share.update'; shareId: string } & SharePatch)
  | { kind: 'share.revoke'; shareId: string }
  | { kind: 'shares.revoke_all'; deviceId: string }
  | ({ kind: 'shares.bulk' } & BulkShareInput)
  | { kind: 'authorization.set'; deviceId: string; orgId: string; permissions: PermissionInput[] }
  | { kind: 'authorization.withdraw'; deviceId: string; orgId: string; permission: string }
  | { kind: 'authorization.cancel'; deviceId: string; orgId: string }
  | { kind: 'handover.accept'; invitationId: string; devices?: Array<{ deviceId: string; permissions: string[] }> }
  | { kind: 'access.revoke_everything'; subject: SubjectRef }
);

export interface PreviewChange extends AccessDelta {
  subjectName: string;
  deviceName: string;
  sentence: string;
}

export interface Preview {
  kind: PreviewRequest['kind'];
  language: PreviewLanguage;
  changes: PreviewChange[];
  /** Every change as a sentence, or one sentence saying nothing changes. */
  sentences: string[];
}

/** Thrown to end the simulated transaction: nothing it wrote is kept. */
class RolledBack extends Error {}

function run(ctx: ServiceContext, actorId: string, r: PreviewRequest): Promise<unknown> {
  switch (r.kind) {
    case 'share.create': {
      const { kind: _k, deviceId, language: _l, ...input } = r;
      return createShare(ctx, actorId, deviceId, input);
    }
    case 'share.update': {
      const { kind: _k, shareId, language: _l, ...patch } = r;
      return updateShare(ctx, actorId, shareId, patch);
    }
    case 'share.revoke':
      return endShare(ctx, actorId, r.shareId);
    case 'shares.revoke_all':
      return revokeAllShares(ctx, actorId, r.deviceId);
    case 'shares.bulk':
      return createBulkShare(ctx, actorId, { recipient: r.recipient, devices: r.devices });
    case 'authorization.set':
      return setDevicePermissions(ctx, actorId, r.deviceId, r.orgId, r.permissions);
    case 'authorization.withdraw':
      return withdrawPermission(ctx, actorId, r.deviceId, r.orgId, r.permission);
    case 'authorization.cancel':
      return cancelAuthorization(ctx, actorId, r.deviceId, r.orgId);
    case 'handover.accept':
      return acceptInvitation(ctx, actorId, r.invitationId, r.devices);
    case 'access.revoke_everything':
      return revokeEverything(ctx, actorId, r.subject);
  }
}

/**
 * Runs `change` against a context whose transactions always roll back, and returns the facts, read inside the
 * transaction just before it would have committed, of every device whose access it changed.
 */
export async function simulate(
  ctx: ServiceContext,
  change: (sim: ServiceContext) => Promise<unknown>,
): Promise<Map<string, DeviceFacts | null>> {
  const after = new Map<string, DeviceFacts | null>();
  const real = ctx.db;
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === 'transaction') {
        return () => ({
          execute: (fn: (trx: Transaction<Database>) => Promise<unknown>) =>
            real.transaction().execute(async (trx) => {
              await fn(trx);
              throw new RolledBack('preview');
            }),
        });
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const sim: ServiceContext = {
    ...ctx,
    db,
    kickOutbox: () => {},
    publishChanges: () => {},
    changeBus: undefined,
    // Called by `transact` inside the transaction, after the work and before the commit: the moment to read.
    announceChanges: async (trx: Transaction<Database>, changes: AccessChange[]) => {
      for (const c of changes) {
        if (c.type === 'device' && !after.has(c.deviceId))
          after.set(c.deviceId, await readFacts(trx, ctx.engine, c.deviceId));
      }
      return async () => {};
    },
  };
  try {
    await change(sim);
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return after;
}

async function namesOf(ctx: ServiceContext, subjects: SubjectRef[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const accounts = [...new Set(subjects.filter((s) => s.type === 'account').map((s) => s.id))];
  const orgs = [...new Set(subjects.filter((s) => s.type === 'org').map((s) => s.id))];
  if (accounts.length > 0) {
    const rows = await ctx.db
      .selectFrom('accounts')
      .select(['id', 'display_name'])
      .where('id', 'in', accounts)
      .execute();
    for (const r of rows) names.set(`account:${r.id}`, r.display_name);
  }
  if (orgs.length > 0) {
    const rows = await ctx.db.selectFrom('installer_orgs').select(['id', 'name']).where('id', 'in', orgs).execute();
    for (const r of rows) names.set(`org:${r.id}`, r.name);
  }
  return names;
}

/** What the change described by `r` would do, if `actorId` made it now. Nothing is changed. */
export async function previewChange(ctx: ServiceContext, actorId: string, r: PreviewRequest): Promise<Preview> {
  const after = await simulate(ctx, (sim) => run(sim, actorId, r));
  const at = ctx.clock.now();
  const deltas: AccessDelta[] = [];
  for (const [deviceId, facts] of after) {
    deltas.push(...diffAccess(deviceId, await readFacts(ctx.db, ctx.engine, deviceId), facts, at));
  }
  const me = await ctx.db
    .selectFrom('accounts')
    .select(['time_zone', 'language'])
    .where('id', '=', actorId)
    .executeTakeFirst();
  const language: PreviewLanguage = r.language ?? (me?.language === 'de' ? 'de' : 'en');
  const deviceIds = [...after.keys()];
  const devices =
    deviceIds.length === 0
      ? []
      : await ctx.db.selectFrom('devices').select(['id', 'name']).where('id', 'in', deviceIds).execute();
  const channels =
    deviceIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('device_channels')
          .select(['device_id', 'number', 'name'])
          .where('device_id', 'in', deviceIds)
          .execute();
  const deviceName = new Map(devices.map((d) => [d.id, d.name]));
  const channelName = new Map(channels.map((c) => [`${c.device_id}:${c.number}`, c.name]));
  const names = await namesOf(
    ctx,
    deltas.map((d) => d.subject),
  );
  const words = {
    language,
    timeZone: me?.time_zone ?? 'UTC',
    nameOf: (s: SubjectRef) =>
      s.type === 'account' && s.id === actorId
        ? language === 'de'
          ? 'Sie'
          : 'You'
        : (names.get(`${s.type}:${s.id}`) ?? (language === 'de' ? 'Jemand' : 'Someone')),
    isReader: (s: SubjectRef) => s.type === 'account' && s.id === actorId,
    deviceName: (id: string) => deviceName.get(id) ?? id,
    channelName: (id: string, n: number) =>
      channelName.get(`${id}:${n}`) ?? (language === 'de' ? `Kanal ${n}` : `Channel ${n}`),
  };
  const changes = deltas.map((d) => ({
    ...d,
    subjectName: words.nameOf(d.subject),
    deviceName: words.deviceName(d.deviceId),
    sentence: sentenceOf(d, words),
  }));
  return {
    kind: r.kind,
    language,
    changes,
    sentences: changes.length > 0 ? changes.map((c) => c.sentence) : [nothingChanges(language)],
  };
}
