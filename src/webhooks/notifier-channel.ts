// Webhooks as a channel of the notifier (services/notifier.ts): every notice of the kinds below also becomes a
// webhook event for the endpoints of the person told — and, when the notice is about an organization the person
// administers, for that organization's endpoints (once per event, however many admins are told). The data is what
// the person's inbox message carries (the same fields the API shows them), plus the notice's own words.
import * as orgs from '../persistence/repositories/orgs.ts';
import { registerChannel, wordsOf, type Delivery, type EventKind } from '../services/notifier.ts';
import type { WebhookEventType } from './events.ts';
import { emitWebhookEvent } from './service.ts';

export const WEBHOOK_TYPE_OF: Partial<Record<EventKind, WebhookEventType>> = {
  share_received: 'share.created',
  share_changed: 'share.changed',
  share_revoked: 'share.revoked',
  share_removed: 'share.revoked',
  authorization_changed: 'authorization.changed',
  authorization_withdrawn: 'authorization.changed',
  authorization_released: 'authorization.changed',
  authorization_expiring: 'authorization.expiring',
  authorization_expired: 'authorization.expired',
  permission_application: 'application.changed',
  permission_application_cancelled: 'application.changed',
  application_agreed: 'application.changed',
  application_rejected: 'application.changed',
  handover_invitation: 'invitation.changed',
  handover_cancelled: 'invitation.changed',
  handover_accepted: 'invitation.changed',
  handover_declined: 'invitation.changed',
  org_invitation: 'invitation.changed',
  org_invitation_declined: 'invitation.changed',
  org_member_joined: 'invitation.changed',
};

/** Organizations already sent one event object (a notice to several admins is one event for the organization). */
const sentToOrg = new WeakMap<object, Set<string>>();

export async function sendWebhook({ tx, to, event }: Delivery): Promise<void> {
  const type = WEBHOOK_TYPE_OF[event.kind];
  if (!type) return;
  // A webhook is read by a program: its words are English whatever the admin's own language.
  const words = wordsOf(event, to, 'en');
  const data = { notice: event.kind, title: words.title, body: words.body, ...event.data };
  const orgId = typeof event.data.orgId === 'string' ? event.data.orgId : null;
  const orgIds: string[] = [];
  if (orgId) {
    const sent = sentToOrg.get(event) ?? new Set<string>();
    const membership = await orgs.findMembership(tx.db, orgId, to.id);
    if (membership?.role === 'admin' && !sent.has(orgId)) {
      sent.add(orgId);
      sentToOrg.set(event, sent);
      orgIds.push(orgId);
    }
  }
  await emitWebhookEvent(tx, { type, accounts: [to.id], orgs: orgIds, data });
}

registerChannel('webhook', sendWebhook);
