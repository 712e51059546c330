// The event types a webhook endpoint can subscribe to. `webhook.test` is sent only by "send test event".
export const WEBHOOK_EVENTS = {
  'share.created': 'A device (or channels of it) was shared with someone.',
  'share.changed': 'What a share allows, or until when, changed.',
  'share.revoked': 'A share ended before its time (revoked, removed, or the device changed owner).',
  'invitation.changed': 'A handover or organization invitation was sent, accepted, declined or withdrawn.',
  'application.changed': 'A permission application was made, agreed, rejected or withdrawn.',
  'authorization.changed': "An organization's permissions on a device were granted, changed, released or withdrawn.",
  'authorization.expiring': "An organization's permission on a device ends soon.",
  'authorization.expired': "An organization's permission on a device has ended.",
  'stream_ticket.issued': 'Someone was given a stream ticket for a channel of a device.',
  'device.online': 'A device connected.',
  'device.offline': 'A device disconnected.',
  'device.exception': 'A device reported an exception (tampering, storage failure, …).',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const TEST_EVENT = 'webhook.test';

export function isWebhookEvent(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENTS, type);
}
