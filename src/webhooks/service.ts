// Webhook use cases: an account (for itself) or an organization's admins register endpoints, see their delivery
// log, send a test event; other modules emit events with `emitWebhookEvent` inside their own transaction.
import { invalidInput, notFound } from '../domain/errors.ts';
import { newId } from '../lib/ids.ts';
import { transact, type ServiceContext, type Tx } from '../services/context.ts';
import { requireOrgAdmin } from '../services/guards.ts';
import { isWebhookEvent, TEST_EVENT, WEBHOOK_EVENTS, type WebhookEventType } from './events.ts';
import { newWebhookSecret } from './signing.ts';
import { checkTarget, TargetRefused, type TargetPolicy } from './ssrf.ts';
import * as store from './store.ts';
import type { EndpointRow, Owner } from './store.ts';

export type { Owner };

/** At most this many endpoints per account or organization. */
export const MAX_ENDPOINTS = 20;

export interface EndpointView {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointInput {
  url: string;
  description?: string;
  events: string[];
}

function view(e: EndpointRow): EndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: JSON.parse(e.events) as string[],
    enabled: e.enabled === 1,
    disabledReason: e.disabled_reason,
    consecutiveFailures: e.consecutive_failures,
    createdAt: e.created_at,
    updatedAt: e.updated_at,
  };
}

export function targetPolicy(ctx: ServiceContext): TargetPolicy {
  return { allowPrivate: ctx.config.webhookAllowPrivate, allowHosts: ctx.config.webhookAllowHosts };
}

/** Only the account itself, or an organization's admins, manage its endpoints; others do not learn it exists. */
async function requireManager(ctx: ServiceContext, accountId: string, owner: Owner): Promise<void> {
  if (owner.kind === 'account') {
    if (owner.id !== accountId) throw notFound('No such account.', 'account_not_found');
    return;
  }
  await requireOrgAdmin(ctx.db, accountId, owner.id);
}

async function checkUrl(ctx: ServiceContext, raw: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput('The URL is not valid; give a full https:// address.', 'bad_url', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidInput('The URL must start with https:// (or http://).', 'bad_url', 'url');
  if (url.username || url.password)
    throw invalidInput('Put no user name or password in the URL; check the signature instead.', 'bad_url', 'url');
  try {
    await checkTarget(targetPolicy(ctx), url.hostname);
  } catch (err) {
    if (err instanceof TargetRefused)
      throw invalidInput(`Webhooks cannot target this URL: ${err.message}.`, 'target_refused', 'url');
    throw err;
  }
  return url.toString();
}

function checkEvents(events: string[]): string[] {
  const unknown = events.filter((e) => !isWebhookEvent(e));
  if (unknown.length)
    throw invalidInput(
      `Unknown event type ${unknown.map((e) => `"${e}"`).join(', ')}; known: ${Object.keys(WEBHOOK_EVENTS).join(', ')}.`,
      'unknown_event',
      'events',
    );
  if (events.length === 0) throw invalidInput('Choose at least one event.', 'no_events', 'events');
  return [...new Set(events)].sort();
}

export async function listEndpoints(ctx: ServiceContext, accountId: string, owner: Owner): Promise<EndpointView[]> {
  await requireManager(ctx, accountId, owner);
  return (await store.listEndpoints(ctx.db, owner)).map(view);
}

export async function getEndpoint(ctx: ServiceContext, accountId: string, owner: Owner, id: string) {
  await requireManager(ctx, accountId, owner);
  const e = await store.findEndpoint(ctx.db, owner, id);
  if (!e) throw notFound('No such webhook endpoint.', 'endpoint_not_found');
  return view(e);
}

/** Registers an endpoint; the answer carries its signing secret, which is never shown again. */
export async function createEndpoint(
  ctx: ServiceContext,
  accountId: string,
  owner: Owner,
  input: EndpointInput,
): Promise<EndpointView & { secret: string }> {
  await requireManager(ctx, accountId, owner);
  const url = await checkUrl(ctx, input.url);
  const events = checkEvents(input.events);
  return transact(ctx, async (tx) => {
    if ((await store.listEndpoints(tx.db, owner)).length >= MAX_ENDPOINTS)
      throw invalidInput(`At most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`, 'too_many_endpoints', 'url');
    const row: EndpointRow = {
      id: newId('whk'),
      account_id: owner.kind === 'account' ? owner.id : null,
      org_id: owner.kind === 'org' ? owner.id : null,
      url,
      description: input.description?.trim() ?? '',
      events: JSON.stringify(events),
      secret: newWebhookSecret(),
      enabled: 1,
      disabled_reason: null,
      consecutive_failures: 0,
      created_by_account_id: accountId,
      created_at: tx.now,
      updated_at: tx.now,
    };
    await store.insertEndpoint(tx.db, row);
    return { ...view(row), secret: row.secret };
  });
}

export async function updateEndpoint(
  ctx: ServiceContext,
  accountId: string,
  owner: Owner,
  id: string,
  input: Partial<EndpointInput> & { enabled?: boolean },
): Promise<EndpointView> {
  await requireManager(ctx, accountId, owner);
  const url = input.url === undefined ? undefined : await checkUrl(ctx, input.url);
  const events = input.events === undefined ? undefined : checkEvents(input.events);
  return transact(ctx, async (tx) => {
    const e = await store.findEndpoint(tx.db, owner, id);
    if (!e) throw notFound('No such webhook endpoint.', 'endpoint_not_found');
    await store.updateEndpoint(tx.db, id, {
      ...(url !== undefined ? { url } : {}),
      ...(input.description !== undefined ? { description: input.description.trim() } : {}),
      ...(events !== undefined ? { events: JSON.stringify(events) } : {}),
      // Enabling again (after an automatic disable) starts the failure count afresh.
      ...(input.enabled === true ? { enabled: 1, disabled_reason: null, consecutive_failures: 0 } : {}),
      ...(input.enabled === false ? { enabled: 0, disabled_reason: 'Disabled by a person.' } : {}),
      updated_at: tx.now,
    });
    if (input.enabled === false) await store.cancelPending(tx.db, id);
    return view((await store.findEndpointById(tx.db, id))!);
  });
}

export async function deleteEndpoint(ctx: ServiceContext, accountId: string, owner: Owner, id: string) {
  await requireManager(ctx, accountId, owner);
  await transact(ctx, async (tx) => {
    if (!(await store.findEndpoint(tx.db, owner, id)))
      throw notFound('No such webhook endpoint.', 'endpoint_not_found');
    await store.deleteEndpoint(tx.db, id);
  });
}

/** Replaces the signing secret (shown once); deliveries not yet sent are signed with the new one. */
export async function rotateSecret(ctx: ServiceContext, accountId: string, owner: Owner, id: string) {
  await requireManager(ctx, accountId, owner);
  return transact(ctx, async (tx) => {
    const e = await store.findEndpoint(tx.db, owner, id);
    if (!e) throw notFound('No such webhook endpoint.', 'endpoint_not_found');
    const secret = newWebhookSecret();
    await store.updateEndpoint(tx.db, id, { secret, updated_at: tx.now });
    return { ...view({ ...e, secret, updated_at: tx.now }), secret };
  });
}

/** Queues a `webhook.test` event to this endpoint (enabled or not: testing is how one checks a fixed receiver). */
export async function sendTestEvent(ctx: ServiceContext, accountId: string, owner: Owner, id: string) {
  await requireManager(ctx, accountId, owner);
  return transact(ctx, async (tx) => {
    const e = await store.findEndpoint(tx.db, owner, id);
    if (!e) throw notFound('No such webhook endpoint.', 'endpoint_not_found');
    const deliveryId = await store.enqueueDelivery(tx.db, {
      endpointId: id,
      eventType: TEST_EVENT,
      payload: payloadOf(TEST_EVENT, tx.now, { endpointId: id, message: 'This is a test event from Keyholder.' }),
      at: tx.now,
    });
    tx.afterCommit(kickDeliverers);
    return { deliveryId };
  });
}

export async function listDeliveries(ctx: ServiceContext, accountId: string, owner: Owner, id: string) {
  await requireManager(ctx, accountId, owner);
  if (!(await store.findEndpoint(ctx.db, owner, id))) throw notFound('No such webhook endpoint.', 'endpoint_not_found');
  const deliveries = await store.recentDeliveries(ctx.db, id, 50);
  const attempts = await store.attemptsOf(
    ctx.db,
    deliveries.map((d) => d.id),
  );
  return deliveries.map((d) => ({
    id: d.id,
    eventType: d.event_type,
    state: d.state,
    createdAt: d.created_at,
    deliveredAt: d.delivered_at,
    nextAttemptAt: d.state === 'pending' ? d.next_attempt_at : null,
    lastStatus: d.last_status,
    lastError: d.last_error,
    payload: JSON.parse(d.payload) as unknown,
    attempts: attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({ at: a.at, status: a.status, error: a.error, durationMs: a.duration_ms })),
  }));
}

// ---- emitting events ----

export function payloadOf(type: string, at: number, data: unknown): string {
  return JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
}

/** Who an event is for: the accounts and organizations that may see the object it is about. */
export type Audience = { kind: 'account'; id: string } | { kind: 'org'; id: string };

export interface WebhookEvent {
  type: WebhookEventType;
  /** Accounts whose own endpoints get it (each may see the object). */
  accounts?: Iterable<string>;
  /** Organizations whose endpoints get it (each may see the object). */
  orgs?: Iterable<string>;
  /**
   * The event's data, or a function giving the data one audience may see (the same fields the API shows it);
   * `null` leaves that audience out.
   */
  data: Record<string, unknown> | ((to: Audience) => Record<string, unknown> | null);
}

/**
 * Queues the event, inside the caller's transaction, to every enabled endpoint of its audience subscribed to its
 * type; delivery starts after the commit. One call for any module (devices online/offline/exceptions included).
 */
export async function emitWebhookEvent(tx: Tx, event: WebhookEvent): Promise<number> {
  const accountIds = [...new Set(event.accounts ?? [])];
  const orgIds = [...new Set(event.orgs ?? [])];
  const endpoints = await store.enabledEndpointsOf(tx.db, accountIds, orgIds);
  let queued = 0;
  for (const e of endpoints) {
    if (!(JSON.parse(e.events) as string[]).includes(event.type)) continue;
    const to: Audience = e.account_id ? { kind: 'account', id: e.account_id } : { kind: 'org', id: e.org_id! };
    const data = typeof event.data === 'function' ? event.data(to) : event.data;
    if (data === null) continue;
    await store.enqueueDelivery(tx.db, {
      endpointId: e.id,
      eventType: event.type,
      payload: payloadOf(event.type, tx.now, data),
      at: tx.now,
    });
    queued++;
  }
  if (queued) tx.afterCommit(kickDeliverers);
  return queued;
}

/**
 * A device's own event (online, offline, an exception it reported): to its owner and to every organization that
 * holds it or is authorized on it, i.e. everyone who sees the device in the API. The device-link module calls this.
 */
export async function emitDeviceEvent(
  tx: Tx,
  deviceId: string,
  type: 'device.online' | 'device.offline' | 'device.exception',
  data: Record<string, unknown> = {},
): Promise<number> {
  const device = await tx.db
    .selectFrom('devices')
    .select(['owner_account_id', 'holder_org_id'])
    .where('id', '=', deviceId)
    .executeTakeFirst();
  if (!device) return 0;
  // Device health is for the organizations that may configure the device or hear its alarms now (SPEC, "Who is told").
  const authorized = await tx.db
    .selectFrom('authorizations as a')
    .innerJoin('authorization_permissions as p', 'p.authorization_id', 'a.id')
    .select('a.org_id')
    .distinct()
    .where('a.device_id', '=', deviceId)
    .where('p.permission', 'in', ['configuration', 'alarm_notifications'])
    .where((eb) => eb.or([eb('p.valid_from', 'is', null), eb('p.valid_from', '<=', tx.now)]))
    .where((eb) => eb.or([eb('p.valid_until', 'is', null), eb('p.valid_until', '>', tx.now)]))
    .execute();
  return emitWebhookEvent(tx, {
    type,
    accounts: device.owner_account_id ? [device.owner_account_id] : [],
    orgs: [...(device.holder_org_id ? [device.holder_org_id] : []), ...authorized.map((a) => a.org_id)],
    data: { ...data, deviceId },
  });
}

// Deliverers running in this process, woken after a commit that queued something (each polls its own database).
const deliverers = new Set<() => void>();

export function onWebhookQueued(kick: () => void): () => void {
  deliverers.add(kick);
  return () => deliverers.delete(kick);
}

function kickDeliverers(): void {
  for (const kick of deliverers) kick();
}
