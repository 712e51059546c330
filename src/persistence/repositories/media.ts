// Media sessions (as MediaMTX reported them at auth) and owners' choices of a share's recordings.
import type { Executor } from '../db.ts';
import type { MediaSessionsTable } from '../schema.ts';

export type MediaSessionRow = MediaSessionsTable;

/** Records a session the first time MediaMTX reports it; a repeat report changes nothing. */
export async function insertSession(
  db: Executor,
  row: Omit<MediaSessionRow, 'ended_at' | 'end_reason'>,
): Promise<void> {
  await db
    .insertInto('media_sessions')
    .values({ ...row, ended_at: null, end_reason: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export type SessionFilter =
  { deviceId: string } | { accountId: string } | { loginSessionId: string } | { all: true } | { dueAt: number };

/** Sessions still open that a change may concern. */
export async function openSessions(db: Executor, filter: SessionFilter): Promise<MediaSessionRow[]> {
  let q = db.selectFrom('media_sessions').selectAll().where('ended_at', 'is', null);
  if ('deviceId' in filter) q = q.where('device_id', '=', filter.deviceId);
  else if ('accountId' in filter) q = q.where('account_id', '=', filter.accountId);
  else if ('loginSessionId' in filter) q = q.where('login_session_id', '=', filter.loginSessionId);
  else if ('dueAt' in filter) q = q.where('until', 'is not', null).where('until', '<=', filter.dueAt);
  return q.limit(10_000).execute();
}

/**
 * Marks a session ended; true only for the one caller that ended it (instances racing to cut agree on one).
 * `correct`: rewrite the reason of a session this caller just ended.
 */
export async function endSession(
  db: Executor,
  id: string,
  at: number,
  reason: string,
  correct = false,
): Promise<boolean> {
  let q = db.updateTable('media_sessions').set({ ended_at: at, end_reason: reason }).where('id', '=', id);
  q = correct ? q.where('ended_at', '=', at) : q.where('ended_at', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Opens an ended session again, due for another look at `until` (a kick that did not reach MediaMTX). */
export async function reopenSession(db: Executor, id: string, until: number): Promise<void> {
  await db
    .updateTable('media_sessions')
    .set({ ended_at: null, end_reason: null, until })
    .where('id', '=', id)
    .execute();
}

/** Forgets sessions that ended before `before` (their cuts stay in the audit log). */
export async function purgeEndedSessions(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('media_sessions').where('ended_at', '<', before).execute();
}

export async function setSessionUntil(db: Executor, id: string, until: number | null): Promise<void> {
  await db.updateTable('media_sessions').set({ until }).where('id', '=', id).where('ended_at', 'is', null).execute();
}

/** The earliest grant end among open sessions: when the expiry timer must next look. */
export async function nextSessionUntil(db: Executor): Promise<number | null> {
  const row = await db
    .selectFrom('media_sessions')
    .select((eb) => eb.fn.min<number | null>('until').as('next'))
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

export async function findSession(db: Executor, id: string): Promise<MediaSessionRow | undefined> {
  return db.selectFrom('media_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When each share and authorization on the device began (footage before that is not theirs), by id. */
export async function grantStarts(db: Executor, deviceId: string): Promise<Map<string, number>> {
  const [shares, auths] = await Promise.all([
    db.selectFrom('shares').select(['id', 'created_at']).where('device_id', '=', deviceId).execute(),
    db.selectFrom('authorizations').select(['id', 'created_at']).where('device_id', '=', deviceId).execute(),
  ]);
  return new Map([...shares, ...auths].map((r) => [r.id, Number(r.created_at)]));
}

export async function recordingOverrides(
  db: Executor,
  deviceId: string,
): Promise<Map<string, { from: number; until: number | null }>> {
  const rows = await db
    .selectFrom('share_recordings')
    .innerJoin('shares', 'shares.id', 'share_recordings.share_id')
    .select(['share_recordings.share_id', 'share_recordings.recordings_from', 'share_recordings.recordings_until'])
    .where('shares.device_id', '=', deviceId)
    .execute();
  return new Map(
    rows.map((r) => [
      r.share_id,
      { from: Number(r.recordings_from), until: r.recordings_until === null ? null : Number(r.recordings_until) },
    ]),
  );
}

export async function setRecordingOverride(
  db: Executor,
  shareId: string,
  value: { from: number; until: number | null } | null,
  now: number,
): Promise<void> {
  if (value === null) {
    await db.deleteFrom('share_recordings').where('share_id', '=', shareId).execute();
    return;
  }
  await db
    .insertInto('share_recordings')
    .values({ share_id: shareId, recordings_from: value.from, recordings_until: value.until, updated_at: now })
    .onConflict((oc) =>
      oc
        .column('share_id')
        .doUpdateSet({ recordings_from: value.from, recordings_until: value.until, updated_at: now }),
    )
    .execute();
}

export async function recordingOverride(
  db: Executor,
  shareId: string,
): Promise<{ from: number; until: number | null } | null> {
  const r = await db
    .selectFrom('share_recordings')
    .select(['recordings_from', 'recordings_until'])
    .where('share_id', '=', shareId)
    .executeTakeFirst();
  if (!r) return null;
  return { from: Number(r.recordings_from), until: r.recordings_until === null ? null : Number(r.recordings_until) };
}

/** A device's name, kind and channel names (channels without a stored name are "Channel N"). */
export async function deviceForViewing(db: Executor, deviceId: string) {
  const device = await db
    .selectFrom('devices')
    .select(['id', 'name', 'kind', 'channel_count', 'online'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
  if (!device) return null;
  const named = await db
    .selectFrom('device_channels')
    .select(['number', 'name'])
    .where('device_id', '=', deviceId)
    .execute();
  const names = new Map(named.map((c) => [Number(c.number), c.name]));
  return {
    id: device.id,
    name: device.name,
    kind: device.kind,
    online: Number(device.online) === 1,
    channels: Array.from({ length: Number(device.channel_count) }, (_, i) => ({
      number: i + 1,
      name: names.get(i + 1) ?? `Channel ${i + 1}`,
    })),
  };
}
