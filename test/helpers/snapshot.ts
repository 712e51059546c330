// Everything a refused call must leave untouched, as comparable text: take one before, one after, compare.
import type { Harness } from './harness.ts';
import '../../src/webhooks/schema.ts';

/** Tables that hold what people own, share, grant and were told (not sessions or throttles, which count attempts). */
const TABLES = [
  'accounts',
  'devices',
  'device_channels',
  'device_transfers',
  'shares',
  'installer_orgs',
  'org_members',
  'org_invitations',
  'sites',
  'authorizations',
  'authorization_permissions',
  'handover_invitations',
  'permission_applications',
  'device_publish_credentials',
  'audit_events',
  'inbox_messages',
  'outbox',
  'webhook_endpoints',
  'webhook_deliveries',
  'ownership_claims',
] as const;

/**
 * Delivery progress of messages queued before the call: the outbox and webhook workers advance it on their own
 * timers, so it may change between two snapshots whatever the call did. A message a refused call added still
 * shows, and so does a delivery it cancelled (`state` is compared as cancelled or not).
 */
const DELIVERY_PROGRESS: Partial<Record<(typeof TABLES)[number], readonly string[]>> = {
  outbox: ['attempts', 'next_attempt_at', 'delivered_at', 'transport', 'last_error'],
  webhook_deliveries: ['attempts', 'next_attempt_at', 'delivered_at', 'last_status', 'last_error'],
};
const comparable = (table: string, k: string, v: unknown) =>
  table === 'webhook_deliveries' && k === 'state' ? v === 'cancelled' : typeof v === 'bigint' ? String(v) : v;

export async function snapshot(h: Harness): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await h.runtime.ctx.db.selectFrom(table).selectAll().execute();
    const progress = new Set(DELIVERY_PROGRESS[table] ?? []);
    out[table] = rows
      .map((r) => JSON.stringify(r, (k, v) => (progress.has(k) ? undefined : comparable(table, k, v))))
      .sort();
  }
  return out;
}

/** The names of the tables whose rows differ. */
export function changedTables(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  return Object.keys(before).filter((t) => JSON.stringify(before[t]) !== JSON.stringify(after[t]));
}
