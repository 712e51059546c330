// Queries of the webhook tables.
import { newId, newSortableId } from '../lib/ids.ts';
import type { Executor } from '../persistence/db.ts';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';

export type EndpointRow = WebhookEndpointsTable;
export type DeliveryRow = WebhookDeliveriesTable;

/** Whose endpoints: an account's own, or an installer organization's. */
export type Owner = { kind: 'account'; id: string } | { kind: 'org'; id: string };

export async function insertEndpoint(db: Executor, row: EndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export function listEndpoints(db: Executor, owner: Owner): Promise<EndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where(owner.kind === 'account' ? 'account_id' : 'org_id', '=', owner.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findEndpoint(db: Executor, owner: Owner, id: string): Promise<EndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where(owner.kind === 'account' ? 'account_id' : 'org_id', '=', owner.id)
    .executeTakeFirst();
}

export function findEndpointById(db: Executor, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateEndpoint(
  db: Executor,
  id: string,
  changes: Partial<Pick<EndpointRow, 'url' | 'description' | 'events' | 'enabled' | 'disabled_reason' | 'secret'>> & {
    consecutive_failures?: number;
    updated_at: number;
  },
): Promise<void> {
  await db.updateTable('webhook_endpoints').set(changes).where('id', '=', id).execute();
}

export async function deleteEndpoint(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

/** Enabled endpoints of these accounts and organizations. */
export async function enabledEndpointsOf(db: Executor, accountIds: string[], orgIds: string[]): Promise<EndpointRow[]> {
  if (accountIds.length === 0 && orgIds.length === 0) return [];
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('enabled', '=', 1)
    .where((eb) =>
      eb.or([
        ...(accountIds.length ? [eb('account_id', 'in', accountIds)] : []),
        ...(orgIds.length ? [eb('org_id', 'in', orgIds)] : []),
      ]),
    )
    .execute();
}

export async function enqueueDelivery(
  db: Executor,
  d: { endpointId: string; eventType: string; payload: string; at: number },
): Promise<string> {
  // The delivery id is the `webhook-id` receivers deduplicate on: the same for every retry of one delivery.
  const id = newSortableId('msg');
  await db
    .insertInto('webhook_deliveries')
    .values({
      id,
      endpoint_id: d.endpointId,
      event_type: d.eventType,
      payload: d.payload,
      created_at: d.at,
      attempts: 0,
      next_attempt_at: d.at,
      delivered_at: null,
      state: 'pending',
      last_status: null,
      last_error: null,
    })
    .execute();
  return id;
}

export function dueDeliveries(db: Executor, now: number, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** Claims a delivery by moving its next attempt past a lease, so another instance skips it meanwhile. */
export async function claimDelivery(db: Executor, d: DeliveryRow, leaseUntil: number): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: leaseUntil, attempts: d.attempts + 1 })
    .where('id', '=', d.id)
    .where('attempts', '=', d.attempts)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function recordAttempt(
  db: Executor,
  a: { deliveryId: string; at: number; status: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values({
      id: newId('wha'),
      delivery_id: a.deliveryId,
      at: a.at,
      status: a.status,
      error: a.error?.slice(0, 500) ?? null,
      duration_ms: Math.round(a.durationMs),
    })
    .execute();
}

export async function settleDelivery(
  db: Executor,
  id: string,
  s: Pick<DeliveryRow, 'state' | 'next_attempt_at' | 'delivered_at' | 'last_status' | 'last_error'>,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ ...s, last_error: s.last_error?.slice(0, 500) ?? null })
    .where('id', '=', id)
    .execute();
}

/** Pending deliveries of a disabled endpoint stop. */
export async function cancelPending(db: Executor, endpointId: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ state: 'cancelled', next_attempt_at: null })
    .where('endpoint_id', '=', endpointId)
    .where('state', '=', 'pending')
    .execute();
}

export function recentDeliveries(db: Executor, endpointId: string, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function attemptsOf(db: Executor, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
