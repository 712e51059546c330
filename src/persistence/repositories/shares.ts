// Shares: one row per (device, recipient). Reads for the owner's list, the recipient's Home list and the chooser.
import { sql } from 'kysely';
import { isPostgres } from '../migrations/columns.ts';
import type { Executor } from '../db.ts';
import type { SharesTable } from '../schema.ts';

export type ShareRow = SharesTable;

// Keeps IN lists far below both engines' bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const IN_CHUNK = 10_000;

async function inChunks<T>(ids: readonly string[], run: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length <= IN_CHUNK) return run(unique);
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += IN_CHUNK) out.push(...(await run(unique.slice(i, i + IN_CHUNK))));
  return out;
}

export async function insertShares(db: Executor, rows: readonly ShareRow[]): Promise<void> {
  // 14 columns: 1,000 rows stay far below both engines' parameter limits.
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('shares')
      .values(rows.slice(i, i + 1000))
      .execute();
}

export function findShare(db: Executor, id: string) {
  return db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listSharesOfDevice(db: Executor, deviceId: string) {
  return db
    .selectFrom('shares')
    .selectAll()
    .where('device_id', '=', deviceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function listSharesOfDevices(db: Executor, deviceIds: readonly string[]) {
  return inChunks(deviceIds, (part) => db.selectFrom('shares').selectAll().where('device_id', 'in', part).execute());
}

export function listReceivedShares(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .selectAll()
    .where('recipient_account_id', '=', recipientId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findShareOfDeviceFor(db: Executor, deviceId: string, recipientId: string) {
  return db
    .selectFrom('shares')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('recipient_account_id', '=', recipientId)
    .executeTakeFirst();
}

export async function updateShare(
  db: Executor,
  id: string,
  patch: Partial<Omit<ShareRow, 'id' | 'device_id' | 'owner_account_id' | 'recipient_account_id'>>,
): Promise<void> {
  await db.updateTable('shares').set(patch).where('id', '=', id).execute();
}

export async function deleteShare(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('shares').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteSharesOfDevice(db: Executor, deviceId: string): Promise<void> {
  await db.deleteFrom('shares').where('device_id', '=', deviceId).execute();
}

/**
 * Serializes share changes per device: on PostgreSQL the device rows are locked (in id order, so two bulk
 * shares cannot deadlock) until the transaction ends. SQLite runs one write transaction at a time already.
 */
export async function lockDevices(db: Executor, deviceIds: readonly string[]): Promise<void> {
  if (deviceIds.length === 0 || !isPostgres(db)) return;
  const sorted = [...deviceIds].sort();
  for (let i = 0; i < sorted.length; i += 5000) {
    await db
      .selectFrom('devices')
      .select('id')
      .where('id', 'in', sorted.slice(i, i + 5000))
      .orderBy('id')
      .forUpdate()
      .execute();
  }
}

/** Devices by id with what sharing needs (no verification code hash). */
export function findDevicesForSharing(db: Executor, ids: readonly string[]) {
  return inChunks(ids, (part) =>
    db
      .selectFrom('devices')
      .select([
        'id',
        'name',
        'model',
        'kind',
        'serial',
        'channel_count',
        'supports_sharing',
        'owner_account_id',
        'online',
      ])
      .where('id', 'in', part)
      .execute(),
  );
}

export function listChannelsOf(db: Executor, deviceIds: readonly string[]) {
  return inChunks(deviceIds, (part) =>
    db
      .selectFrom('device_channels')
      .selectAll()
      .where('device_id', 'in', part)
      .orderBy('device_id')
      .orderBy('number')
      .execute(),
  );
}

export function listAccountsByIds(db: Executor, ids: readonly string[]) {
  return inChunks(ids, (part) =>
    db.selectFrom('accounts').select(['id', 'display_name', 'email', 'phone']).where('id', 'in', part).execute(),
  );
}

/** Full rows of the devices shared with an account (one join, however many). */
export function listReceivedDevices(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('devices', 'devices.id', 'shares.device_id')
    .selectAll('devices')
    .where('shares.recipient_account_id', '=', recipientId)
    .execute();
}

export function listReceivedChannels(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('device_channels', 'device_channels.device_id', 'shares.device_id')
    .selectAll('device_channels')
    .where('shares.recipient_account_id', '=', recipientId)
    .orderBy('device_channels.device_id')
    .orderBy('device_channels.number')
    .execute();
}

export function listReceivedOwners(db: Executor, recipientId: string) {
  return db
    .selectFrom('shares')
    .innerJoin('accounts', 'accounts.id', 'shares.owner_account_id')
    .select(['accounts.id', 'accounts.display_name'])
    .distinct()
    .where('shares.recipient_account_id', '=', recipientId)
    .execute();
}

/** Channels of every device an account owns. */
export function listOwnedChannels(db: Executor, ownerId: string) {
  return db
    .selectFrom('devices')
    .innerJoin('device_channels', 'device_channels.device_id', 'devices.id')
    .selectAll('device_channels')
    .where('devices.owner_account_id', '=', ownerId)
    .orderBy('device_channels.device_id')
    .orderBy('device_channels.number')
    .execute();
}

/** How many shares each owned device has. */
export async function countSharesOfOwnedDevices(db: Executor, ownerId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('shares')
    .innerJoin('devices', 'devices.id', 'shares.device_id')
    .select((eb) => ['shares.device_id', eb.fn.countAll<number>().as('n')])
    .where('devices.owner_account_id', '=', ownerId)
    .groupBy('shares.device_id')
    .execute();
  return new Map(rows.map((r) => [r.device_id, Number(r.n)]));
}

// ---- the Home list: each device's JSON built by the database --------------------------------------------------
// A person may have 10,000 devices. Reading them as row objects and serializing them again cost more than the
// target for the whole list, so the database writes each device's JSON (the `Device` response fields except
// `channels`) and the service only splices in channels and access. Channels keep their default name unless
// renamed: only renamed ones are read (through the partial index `device_channels_named`, migration 006).

/** The predicate of `device_channels_named`, spelled exactly as in the index so SQLite uses it. */
const RENAMED = sql<boolean>`c.name <> ('Channel ' || CAST(c.number AS TEXT))`;

/**
 * The device's fields as JSON. A recipient (`forOwner` false) gets no serial number (with the printed code it is
 * what binds a device, and vendors' clouds key on it) and no firmware version (it tells which exploits apply).
 */
function deviceJson(db: Executor, forOwner: boolean) {
  const serial = forOwner ? sql`d.serial` : sql`NULL`;
  const firmware = forOwner ? sql`d.firmware_version` : sql`NULL`;
  return isPostgres(db)
    ? sql<string>`json_build_object('id', d.id, 'serial', ${serial}, 'model', d.model, 'kind', d.kind, 'name', d.name,
        'firmwareVersion', ${firmware}, 'capabilities', d.capabilities::json, 'supportsSharing', d.supports_sharing = 1,
        'online', d.online = 1, 'lastSeenAt', d.last_seen_at)::text`
    : sql<string>`json_object('id', d.id, 'serial', ${serial}, 'model', d.model, 'kind', d.kind, 'name', d.name,
        'firmwareVersion', ${firmware}, 'capabilities', json(d.capabilities),
        'supportsSharing', json(CASE WHEN d.supports_sharing = 1 THEN 'true' ELSE 'false' END),
        'online', json(CASE WHEN d.online = 1 THEN 'true' ELSE 'false' END), 'lastSeenAt', d.last_seen_at)`;
}

/** The device's renamed channels as a JSON object {number: name}; null or "{}" when none. */
function renamedChannels(db: Executor) {
  return isPostgres(db)
    ? sql<
        string | null
      >`(SELECT json_object_agg(c.number, c.name)::text FROM device_channels c WHERE c.device_id = d.id AND ${RENAMED})`
    : sql<
        string | null
      >`(SELECT json_group_object(c.number, c.name) FROM device_channels c WHERE c.device_id = d.id AND ${RENAMED})`;
}

/** A share's terms as one text (what decides what it allows), so equal terms are decided once. */
function shareTerms(db: Executor) {
  return isPostgres(db)
    ? sql<string>`json_build_array(s.scope, s.channels, s.permissions, s.valid_from, s.valid_until, s.schedule, s.time_zone)::text`
    : sql<string>`json_array(s.scope, s.channels, s.permissions, s.valid_from, s.valid_until, s.schedule, s.time_zone)`;
}

export interface HomeDeviceJson {
  /** The device's JSON object without channels and access. */
  json: string;
  channel_count: number;
  renamed: string | null;
}

/** The devices an account owns, by name. */
export function listHomeOwnedJson(db: Executor, ownerId: string): Promise<HomeDeviceJson[]> {
  return db
    .selectFrom('devices as d')
    .select([deviceJson(db, true).as('json'), 'd.channel_count', renamedChannels(db).as('renamed')])
    .where('d.owner_account_id', '=', ownerId)
    .orderBy('d.name')
    .orderBy('d.id')
    .execute();
}

/** What narrows a page of the Home list (all optional). */
export interface HomePageFilter {
  /** Devices on this site only. */
  siteId?: string;
  /** Lower-case text that the name or the serial contains. */
  search?: string;
  /** Devices the device link reports online only. */
  online?: boolean;
}

/** `%text%` for LIKE, with the wildcards in the text itself escaped. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of the devices an account owns, by name then id, after (name, id). */
export function pageHomeOwnedJson(
  db: Executor,
  ownerId: string,
  after: { name: string; id: string } | null,
  limit: number,
  filter: HomePageFilter,
): Promise<Array<HomeDeviceJson & { name: string; id: string }>> {
  let q = db
    .selectFrom('devices as d')
    .select([deviceJson(db, true).as('json'), 'd.channel_count', renamedChannels(db).as('renamed'), 'd.name', 'd.id'])
    .where('d.owner_account_id', '=', ownerId);
  if (after)
    q = q.where((eb) =>
      eb.or([eb('d.name', '>', after.name), eb.and([eb('d.name', '=', after.name), eb('d.id', '>', after.id)])]),
    );
  if (filter.siteId !== undefined) q = q.where('d.site_id', '=', filter.siteId);
  if (filter.online) q = q.where('d.online', '=', 1);
  if (filter.search !== undefined) {
    const like = containing(filter.search);
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(d.name) like ${like} escape '\\'`,
        sql<boolean>`lower(d.serial) like ${like} escape '\\'`,
      ]),
    );
  }
  return q.orderBy('d.name').orderBy('d.id').limit(limit).execute();
}

/** One page of the devices shared with an account, in the order they were shared, after (created_at, share id). */
export function pageHomeReceivedJson(
  db: Executor,
  recipientId: string,
  after: { createdAt: number; shareId: string } | null,
  limit: number,
  filter: HomePageFilter,
): Promise<Array<HomeReceivedJson & { created_at: number }>> {
  let q = db
    .selectFrom('shares as s')
    .innerJoin('devices as d', 'd.id', 's.device_id')
    .leftJoin('accounts as a', 'a.id', 's.owner_account_id')
    .select([
      's.id as share_id',
      's.owner_account_id',
      'a.display_name as owner_name',
      shareTerms(db).as('terms'),
      deviceJson(db, false).as('json'),
      'd.channel_count',
      renamedChannels(db).as('renamed'),
      's.created_at',
    ])
    .where('s.recipient_account_id', '=', recipientId);
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('s.created_at', '>', after.createdAt),
        eb.and([eb('s.created_at', '=', after.createdAt), eb('s.id', '>', after.shareId)]),
      ]),
    );
  if (filter.siteId !== undefined) q = q.where('d.site_id', '=', filter.siteId);
  if (filter.online) q = q.where('d.online', '=', 1);
  // A recipient never sees the serial (docs/security.md), so shared devices are searched by name only.
  if (filter.search !== undefined)
    q = q.where(sql<boolean>`lower(d.name) like ${containing(filter.search)} escape '\\'`);
  return q.orderBy('s.created_at').orderBy('s.id').limit(limit).execute();
}

export interface HomeReceivedJson extends HomeDeviceJson {
  share_id: string;
  owner_account_id: string;
  owner_name: string | null;
  terms: string;
}

/** The devices shared with an account, in the order they were shared, with the share's terms and who shared it. */
export function listHomeReceivedJson(db: Executor, recipientId: string): Promise<HomeReceivedJson[]> {
  return db
    .selectFrom('shares as s')
    .innerJoin('devices as d', 'd.id', 's.device_id')
    .leftJoin('accounts as a', 'a.id', 's.owner_account_id')
    .select([
      's.id as share_id',
      's.owner_account_id',
      'a.display_name as owner_name',
      shareTerms(db).as('terms'),
      deviceJson(db, false).as('json'),
      'd.channel_count',
      renamedChannels(db).as('renamed'),
    ])
    .where('s.recipient_account_id', '=', recipientId)
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
}
