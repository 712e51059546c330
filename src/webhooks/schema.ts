// The webhook tables, added to the database's type here rather than in persistence/schema.ts (module augmentation).
import '../persistence/schema.ts';

export interface WebhookEndpointsTable {
  id: string;
  account_id: string | null;
  org_id: string | null;
  url: string;
  description: string;
  events: string;
  secret: string;
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_by_account_id: string | null;
  created_at: number;
  updated_at: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_type: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  state: DeliveryState;
  last_status: number | null;
  last_error: string | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  at: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

declare module '../persistence/schema.ts' {
  interface Database {
    webhook_endpoints: WebhookEndpointsTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_attempts: WebhookAttemptsTable;
  }
}
