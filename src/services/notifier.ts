// Telling people what happened: one table says, per event kind, which channels it goes to and in which words;
// `notify(tx, recipients, event)` sends it, inside the caller's transaction (nothing goes out unless the change
// commits: inbox rows are written, mail waits in the outbox until after the commit).
//
// Channels: `inbox` (always first: other channels may link to the inbox message) and `email` are built in.
// Further channels (push, webhooks) register a sender with `registerChannel` and are named in the table rows
// that should reach them. A row naming a channel nobody registered sends nothing there (and says so in the log).
//
// Messages to an address rather than an account (verification codes, invitations to someone who may not have
// an account yet) go through `sendToAddress`, so the outbox and the deliverer's wake-up are handled here too.
import { isPermission, permissionLabel } from '../domain/permissions.ts';
import { languageOf, type Language } from '../i18n/languages.ts';
import { emailLinkDe, NOTICES_DE } from '../i18n/notices-de.ts';
import * as accounts from '../persistence/repositories/accounts.ts';
import { postInbox } from '../persistence/repositories/inbox.ts';
import * as orgs from '../persistence/repositories/orgs.ts';
import { enqueueMessage, type OutgoingMessage } from '../persistence/repositories/outbox.ts';
import type { Tx } from './context.ts';

export type ChannelName = 'inbox' | 'email' | 'push' | 'webhook';

/** Whom a notice is addressed to, as the words and the channels need them. */
export interface Recipient {
  id: string;
  email: string | null;
  display_name: string;
  time_zone: string;
  /** The account's chosen language (null or absent: never chose, or no account yet; English). */
  language?: string | null;
}

export interface Words {
  title: string;
  body: string;
}

interface EventSpec<F> {
  channels: readonly ChannelName[];
  words(facts: F, to: Recipient): Words;
}

function spec<F>(channels: readonly ChannelName[], words: (facts: F, to: Recipient) => Words): EventSpec<F> {
  return { channels, words };
}

// Every notice may also become a webhook event: which kinds do, and as which event type, is the webhook channel's
// own table (WEBHOOK_TYPE_OF in src/webhooks/notifier-channel.ts).
const INBOX = ['inbox', 'webhook'] as const;
const INBOX_EMAIL = ['inbox', 'email', 'webhook'] as const;
// Push (src/services/push): what a person should act on or know about soon, on every browser they opted in on.
const INBOX_PUSH = ['inbox', 'push', 'webhook'] as const;
const INBOX_EMAIL_PUSH = ['inbox', 'email', 'push', 'webhook'] as const;

/** A permission's label (or the raw name of one that no longer exists). */
function label(permission: string): string {
  return isPermission(permission) ? permissionLabel(permission) : permission;
}

/** A point in time in the recipient's own time zone. */
export function formatWhen(t: number, timeZone: string): string {
  try {
    return `${new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(t)} (${timeZone})`;
  } catch {
    // A time zone Intl does not know must not stop the notice.
    return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/**
 * The owner's confirmation ("Share "X" with Sam: …") as the recipient reads it ("You can use "X": …"): the
 * recipient is told what they may do, not shown the owner's dialog.
 */
function toRecipient(confirmation: string, lead: string): string {
  return confirmation.replace(/^Share ("[^"]*") with [^:]*: /, `${lead} $1: `);
}

/** `"A"` or `3 devices`, for titles. */
function devicesShort(names: readonly string[]): string {
  return names.length === 1 ? `"${names[0]}"` : `${names.length} devices`;
}

function devicesLong(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Every event kind: its channels and its words. The kind is also the inbox message's `kind`, which the web app
 * reads to offer actions (accept, agree…).
 */
const EVENTS = {
  // ---- shares: to the recipient ----
  share_received: spec<{ owner: string; devices: string[]; confirmation: string }>(INBOX_EMAIL_PUSH, (f) => ({
    title: `${f.owner} shared ${devicesShort(f.devices)} with you`,
    body: toRecipient(f.confirmation, 'You can use'),
  })),
  share_changed: spec<{ owner: string; device: string; confirmation: string }>(INBOX_EMAIL_PUSH, (f) => ({
    title: `${f.owner} changed what you can do with "${f.device}"`,
    body: toRecipient(f.confirmation, 'You can now use'),
  })),
  /** However a share ends before its time (revoked, revoke-everything, the device changed owner): the same channels. */
  share_revoked: spec<{ owner: string | null; devices: string[]; changedOwner?: boolean }>(INBOX_EMAIL_PUSH, (f) => ({
    title: f.owner
      ? `${f.owner} stopped sharing ${devicesShort(f.devices)} with you`
      : `${devicesShort(f.devices)} ${f.devices.length === 1 ? 'is' : 'are'} no longer shared with you`,
    body: f.changedOwner
      ? `${devicesLong(f.devices)} changed owner, so the access that was shared with you has ended.`
      : `You no longer have access to ${devicesLong(f.devices)}.`,
  })),
  // ---- shares: to the owner ----
  share_removed: spec<{ recipient: string; device: string }>(INBOX, (f) => ({
    title: `${f.recipient} removed "${f.device}" from their account`,
    body: `The share of "${f.device}" with ${f.recipient} has ended.`,
  })),
  // ---- shares ending by their validity: recipient and owner (`to` says which) ----
  share_expiring: spec<ShareEnding>(INBOX_EMAIL_PUSH, (f, to) => shareEndingWords(f, to, false)),
  share_expired: spec<ShareEnding>(INBOX_EMAIL, (f, to) => shareEndingWords(f, to, true)),
  // ---- installer authorizations ----
  authorization_expiring: spec<AuthorizationEnding>(INBOX_EMAIL_PUSH, (f, to) =>
    authorizationEndingWords(f, to, false),
  ),
  authorization_expired: spec<AuthorizationEnding>(INBOX_EMAIL, (f, to) => authorizationEndingWords(f, to, true)),
  /** To the organization's admins: the owner (or a member) changed what they may do on devices (one change, grouped). */
  authorization_changed: spec<{
    why: string;
    devices: { name: string; permissions: string[] }[];
    noPermissionNote: string;
  }>(INBOX, (f) => {
    const now = (p: string[]) => (p.length > 0 ? p.map(label).join(', ') : 'none');
    const only = f.devices.length === 1 ? f.devices[0]! : null;
    const noneLeft = f.devices.some((d) => d.permissions.length === 0);
    return {
      title: only ? `Permissions on ${only.name} changed` : `Permissions on ${f.devices.length} devices changed`,
      body:
        (only
          ? `${f.why} Permissions now: ${now(only.permissions)}.`
          : `${f.why} Permissions now:\n${f.devices.map((d) => `• ${d.name}: ${now(d.permissions)}`).join('\n')}`) +
        (noneLeft ? ` ${f.noPermissionNote}` : ''),
    };
  }),
  /** To the organization's admins: the owner revoked everything the organization had. */
  authorization_withdrawn: spec<{ owner: string; devices: string[] }>(INBOX, (f) => ({
    title: `${f.owner} withdrew your authorization on ${f.devices.length === 1 ? f.devices[0] : `${f.devices.length} devices`}`,
    body: 'The installer has no permission to operate or configure these devices any more.',
  })),
  /** To the device's owner: the installer gave a permission back. */
  authorization_released: spec<{ device: string; permission: string }>(INBOX, (f) => ({
    title: `The installer released a permission on ${f.device}`,
    body: `The installer gave back ${label(f.permission)} on ${f.device}.`,
  })),
  // ---- permission applications ----
  permission_application: spec<{
    org: string;
    permissions: string;
    validity: string;
    devices: string[];
    remark: string | null;
  }>(INBOX_EMAIL_PUSH, (f) => ({
    title: `${f.org} has applied for permissions`,
    body:
      `${f.org} has applied for ${f.permissions} (${f.validity}) on ${f.devices.join(', ')}.` +
      `${f.remark ? ` Remark: ${f.remark}` : ''} Agree or reject per device, or all at once.`,
  })),
  permission_application_cancelled: spec<Record<string, never>>(INBOX, () => ({
    title: 'A permission application was withdrawn',
    body: 'The installer withdrew its application; there is nothing to answer.',
  })),
  application_agreed: spec<{ device: string; permissions: string; validity: string }>(INBOX, (f) => ({
    title: `Permission application agreed: ${f.device}`,
    body: `The owner agreed: ${f.permissions} (${f.validity}) on ${f.device}.`,
  })),
  application_rejected: spec<{ device: string; permissions: string }>(INBOX, (f) => ({
    title: `Permission application rejected: ${f.device}`,
    body: `The owner rejected the application for ${f.permissions} on ${f.device}.`,
  })),
  // ---- site handover ----
  handover_invitation: spec<{ org: string; site: string; devices: number; summary: string }>(INBOX_PUSH, (f) => ({
    title: `${f.org} invites you to take over ${f.site}`,
    // No "accept or decline" here: the message outlives the decision; the invitation screen offers the choice.
    body: `${f.devices === 1 ? 'One device' : `${f.devices} devices`} will be bound to your account. ${f.summary}`,
  })),
  handover_cancelled: spec<{ site: string }>(INBOX, (f) => ({
    title: `The invitation to take over ${f.site} was withdrawn`,
    body: 'The installer cancelled the invitation.',
  })),
  handover_accepted: spec<{ site: string; invitee: string; kept: string }>(INBOX, (f) => ({
    title: `${f.site} was handed over`,
    body: `${f.invitee} accepted the invitation; the devices are now theirs. ${f.kept}`,
  })),
  handover_declined: spec<{ site: string }>(INBOX, (f) => ({
    title: `The handover of ${f.site} was declined`,
    body: 'The invitee declined the invitation.',
  })),
  // ---- organizations ----
  org_invitation: spec<{ org: string; role: string }>(INBOX_PUSH, (f) => ({
    title: `Join ${f.org} on Keyholder`,
    body: `You are invited to join the installer organization ${f.org} as ${f.role}.`,
  })),
  org_member_joined: spec<{ member: string; role: string }>(INBOX, (f) => ({
    title: `${f.member} joined the organization`,
    body: `${f.member} is now a ${f.role} of the organization.`,
  })),
  org_invitation_declined: spec<{ member: string }>(INBOX, (f) => ({
    title: `${f.member} declined to join`,
    body: `${f.member} declined the invitation.`,
  })),
  org_role_changed: spec<{ role: string }>(INBOX, (f) => ({
    title: 'Your role changed',
    body: `You are now a ${f.role} of the organization.`,
  })),
  org_member_removed: spec<Record<string, never>>(INBOX, () => ({
    title: 'You were removed from an organization',
    body: 'An administrator removed you from the organization.',
  })),
  // ---- co-managers ----
  /** To the new manager. */
  manager_added: spec<{ owner: string; device: string }>(INBOX_EMAIL, (f) => ({
    title: `${f.owner} made you a manager of "${f.device}"`,
    body: `You can now share "${f.device}", edit and revoke its shares, answer installers and see its history. Only ${f.owner} can unbind it or give it away.`,
  })),
  /** To the new manager of several devices at once (one message, not one per device). */
  manager_added_many: spec<{ owner: string; devices: string[] }>(INBOX_EMAIL, (f) => ({
    title: `${f.owner} made you a manager of ${f.devices.length} devices`,
    body: `You can now share ${f.devices.map((d) => `"${d}"`).join(', ')}, edit and revoke their shares, answer installers and see their history. Only ${f.owner} can unbind them or give them away.`,
  })),
  /**
   * To the manager removed (`removed`), to the owner when a manager stepped down (`stepped_down`), or to every
   * manager when the device changed hands (`changed_hands`: unbound, given away or handed over).
   */
  manager_removed: spec<{ who: string; device: string; why: 'removed' | 'stepped_down' | 'changed_hands' }>(
    INBOX,
    (f) => ({
      title:
        f.why === 'stepped_down' ? `${f.who} no longer manages "${f.device}"` : `You no longer manage "${f.device}"`,
      body:
        f.why === 'stepped_down'
          ? `${f.who} stepped down as a manager of "${f.device}".`
          : f.why === 'changed_hands'
            ? `"${f.device}" is no longer ${f.who}'s device, so you no longer manage it.`
            : `${f.who} removed you as a manager of "${f.device}".`,
    }),
  ),
  /** To the owner: what a manager did on one of their devices. */
  managed_device_changed: spec<{ manager: string; device: string; what: string }>(INBOX, (f) => ({
    title: `${f.manager} ${f.what} on "${f.device}"`,
    body: `${f.manager} manages "${f.device}" for you and ${f.what}. See the device's history for the details.`,
  })),
  // ---- the device link: an exception raised on a device (docs/device-link.md, "Who is told") ----
  device_exception: spec<{ device: string; what: string; detail: string }>(INBOX_EMAIL, (f) => ({
    title: `${f.device}: ${f.what}`,
    body: f.detail,
  })),
  // ---- ownership transfers ----
  device_transfer: spec<{ from: string; device: string; model: string }>(INBOX_PUSH, (f) => ({
    title: `${f.from} wants to give you ${f.device}`,
    body: `Accept to become the owner of ${f.device} (${f.model}). Any sharing and installer access on it ends when you accept.`,
  })),
  transfer_cancelled: spec<{ device: string }>(INBOX, (f) => ({
    title: `The offer of ${f.device} was withdrawn`,
    body: `The owner of ${f.device} withdrew the ownership transfer.`,
  })),
  transfer_accepted: spec<{ to: string; device: string }>(INBOX, (f) => ({
    title: `${f.to} accepted ${f.device}`,
    body: `${f.to} is now the owner of ${f.device}. Its shares and installer access have ended.`,
  })),
  transfer_declined: spec<{ to: string; device: string }>(INBOX, (f) => ({
    title: `${f.to} declined ${f.device}`,
    body: `${f.to} did not accept the ownership of ${f.device}; it is still yours.`,
  })),
  // ---- identity (trust-identity): offers that waited for an address, and an address taken over ----
  share_delivered: spec<{ address: string; devices: string[]; to: string }>(INBOX, (f) => ({
    title: `${f.address} signed up: ${devicesShort(f.devices)} ${f.devices.length === 1 ? 'is' : 'are'} now shared with ${f.to}`,
    body: `The share you made for ${f.address} waited until ${f.to} proved this address is theirs.`,
  })),
  share_not_delivered: spec<{ address: string }>(INBOX, (f) => ({
    title: `${f.address} signed up, but your waiting share could not be delivered`,
    body: 'The device changed owner meanwhile, or it was already shared with this person.',
  })),
  transfer_delivered: spec<{ address: string; device: string; to: string }>(INBOX, (f) => ({
    title: `${f.address} signed up: your offer of ${f.device} reached ${f.to}`,
    body: `${f.to} proved ${f.address} is theirs and can now accept or decline ${f.device}.`,
  })),
  address_removed: spec<{ address: string; what: string }>(INBOX, (f) => ({
    title: `${f.what} removed from your account`,
    body:
      `Someone proved that ${f.address} is theirs before this account verified it, so it was removed from this ` +
      'account. Add an address you can verify under Me.',
  })),
  // ---- refused attempts on a device (src/services/denied-attempts.ts): at most one per device per hour ----
  access_denied: spec<{ device: string; people: string[]; attempts: number; reasons: string[] }>(INBOX_PUSH, (f) => ({
    title: `Someone with access was refused on "${f.device}"`,
    body:
      `${f.people.join(', ')} tried to use "${f.device}" and ${f.attempts === 1 ? 'was' : 'were'} refused ` +
      `(${f.reasons.join('; ')}; ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}). The device's audit lists ` +
      'every refused attempt.',
  })),
  // ---- ownership claims (services/claims.ts): the claimant's words never name the owner ----
  device_claimed: spec<{ device: string; serial: string; message: string; until: string }>(INBOX_EMAIL, (f) => ({
    title: `Someone says "${f.device}" is theirs`,
    body:
      `The person who has ${f.device} (serial ${f.serial}) filed a claim with a photo of its label and its code: ` +
      `"${f.message}". If you sold or gave it away, release it under Claims by ${f.until}; if it is yours, reject ` +
      'the claim. Without an answer, an operator reviews the claim.',
  })),
  claim_released: spec<{ model: string; serial: string; until: string }>(INBOX_EMAIL, (f) => ({
    title: `${f.model} ${f.serial} was released to you`,
    body: `Add it now with its serial number and verification code (Add device). It is held for you until ${f.until}.`,
  })),
  claim_under_review: spec<{ model: string; serial: string }>(INBOX_EMAIL, (f) => ({
    title: `Your claim on ${f.model} ${f.serial} goes to review`,
    body: 'The device was not released, so an operator will review your claim and its evidence. You will be told.',
  })),
  claim_review: spec<{ model: string; serial: string }>(INBOX, (f) => ({
    title: `A claim on ${f.model} ${f.serial} is waiting for review`,
    body: 'The owner rejected the claim; review it under Operator → Claims.',
  })),
  claim_transferred: spec<{ model: string; serial: string }>(INBOX_EMAIL, (f) => ({
    title: `${f.model} ${f.serial} is now yours`,
    body: 'An operator reviewed your claim and transferred the device to your account.',
  })),
  claim_transferred_away: spec<{ device: string; serial: string }>(INBOX_EMAIL, (f) => ({
    title: `"${f.device}" was transferred to the person who claimed it`,
    body: `An operator reviewed the claim on ${f.device} (serial ${f.serial}) and transferred it. Its shares and installer access have ended.`,
  })),
  claim_dismissed: spec<{ model: string; serial: string; note: string }>(INBOX_EMAIL, (f) => ({
    title: `Your claim on ${f.model} ${f.serial} was dismissed`,
    body: `An operator reviewed your claim and did not transfer the device: ${f.note}`,
  })),
  claim_closed: spec<{ device: string; serial: string }>(INBOX_EMAIL, (f) => ({
    title: `The claim on "${f.device}" was dismissed`,
    body: `An operator reviewed the claim on ${f.device} (serial ${f.serial}); the device stays yours.`,
  })),
};

export interface ShareEnding {
  /** The share's recipient and owner (either may be gone); the words depend on which one is told. */
  ownerId: string;
  recipientId: string;
  ownerName: string | null;
  recipientName: string | null;
  device: string;
  permissions: string[];
  validUntil: number;
}

function shareEndingWords(f: ShareEnding, to: Recipient, ended: boolean): Words {
  const labels = f.permissions.map(label).join(', ');
  const when = formatWhen(f.validUntil, to.time_zone);
  if (to.id === f.recipientId) {
    const whose = f.ownerName ? `${f.ownerName}'s share` : 'The share';
    return {
      title: ended ? `Your access to "${f.device}" has ended` : `Your access to "${f.device}" ends soon`,
      body: `${whose} of ${f.device} (${labels}) ${ended ? 'ended' : 'ends'} on ${when}.`,
    };
  }
  const withWhom = f.recipientName ? ` with ${f.recipientName}` : '';
  return {
    title: `Your share of "${f.device}"${withWhom} ${ended ? 'has ended' : 'ends soon'}`,
    body: ended
      ? `Your share of ${f.device}${withWhom} (${labels}) ended on ${when}.`
      : `Your share of ${f.device}${withWhom} (${labels}) ends on ${when}. Edit the share to extend it.`,
  };
}

export interface AuthorizationEnding {
  /** The device's owner; everyone else told is an administrator of the organization. */
  ownerId: string | null;
  org: string;
  device: string;
  permission: string;
  validUntil: number;
}

function authorizationEndingWords(f: AuthorizationEnding, to: Recipient, ended: boolean): Words {
  const what = `${f.org}'s ${label(f.permission)} permission on ${f.device}`;
  const when = formatWhen(f.validUntil, to.time_zone);
  if (to.id === f.ownerId) {
    return {
      title: `${f.org}'s ${label(f.permission)} on "${f.device}" ${ended ? 'has ended' : 'ends soon'}`,
      body: ended
        ? `${what} ended on ${when}. The installer can no longer use it.`
        : `${what} ends on ${when}. After that the installer can no longer use it, unless you grant it again.`,
    };
  }
  return {
    title: `${label(f.permission)} on "${f.device}" ${ended ? 'has ended' : 'ends soon'}`,
    body: `${what} ${ended ? 'ended' : 'ends'} on ${when}. Apply for it again if you still need it.`,
  };
}

type Events = typeof EVENTS;
export type EventKind = keyof Events;
export type FactsOf<K extends EventKind> = Events[K] extends EventSpec<infer F> ? F : never;

/** One event: its kind, the facts its words need, and the data the inbox message carries for the web app. */
export type NotifyEvent = {
  [K in EventKind]: { kind: K; facts: FactsOf<K>; data: Record<string, unknown> };
}[EventKind];

/** The channels an event kind goes to (for tests and the docs). */
/** Every event kind (for tests and the docs). */
export function eventKinds(): EventKind[] {
  return Object.keys(EVENTS) as EventKind[];
}

export function channelsOf(kind: EventKind): readonly ChannelName[] {
  return EVENTS[kind].channels;
}

/** The event's words for this reader, in their account's language unless `language` says otherwise. */
export function wordsOf(event: NotifyEvent, to: Recipient, language: Language = languageOf(to)): Words {
  if (language === 'de') {
    const de = NOTICES_DE[event.kind] as ((facts: unknown, to: Recipient) => Words) | undefined;
    if (de) return de(event.facts, to);
  }
  return (EVENTS[event.kind] as EventSpec<unknown>).words(event.facts, to);
}

/** What a channel sender gets, once per recipient. */
export interface Delivery {
  tx: Tx;
  to: Recipient;
  event: NotifyEvent;
  words: Words;
  /** The inbox message this notice also became (when the kind goes to the inbox), for a "View now" link. */
  inboxMessageId: string | null;
}

export type ChannelSender = (delivery: Delivery) => Promise<void>;

const senders = new Map<Exclude<ChannelName, 'inbox'>, ChannelSender>();

/** Plugs in the sender of a channel (push, webhooks); the table decides which event kinds reach it. */
export function registerChannel(name: Exclude<ChannelName, 'inbox'>, send: ChannelSender): void {
  senders.set(name, send);
}

registerChannel('email', async ({ tx, to, words, inboxMessageId }) => {
  if (!to.email) return;
  const publicUrl = tx.ctx.config.publicUrl;
  const url = inboxMessageId ? `${publicUrl}/messages/${inboxMessageId}` : `${publicUrl}/`;
  const link =
    languageOf(to) === 'de'
      ? emailLinkDe(url, inboxMessageId !== null)
      : inboxMessageId
        ? `View now: ${url}`
        : `Open Keyholder: ${url}`;
  await sendToAddress(tx, {
    channel: 'email',
    recipient: to.email,
    subject: words.title,
    body: `${words.body}\n\n${link}\n`,
  });
});

/**
 * Tells each account (ids, each once; accounts that no longer exist are skipped) about the event on the
 * channels its kind goes to. Returns the inbox message id per account, for callers that keep it.
 */
export async function notify(tx: Tx, recipients: Iterable<string>, event: NotifyEvent): Promise<Map<string, string>> {
  const { channels } = EVENTS[event.kind];
  const inboxIds = new Map<string, string>();
  for (const id of new Set(recipients)) {
    const to = await accounts.findAccountById(tx.db, id);
    if (!to) continue;
    const words = wordsOf(event, to);
    let inboxMessageId: string | null = null;
    if (channels.includes('inbox')) {
      inboxMessageId = await postInbox(tx.db, {
        accountId: to.id,
        kind: event.kind,
        title: words.title,
        body: words.body,
        data: event.data,
        at: tx.now,
      });
      inboxIds.set(to.id, inboxMessageId);
    }
    for (const channel of channels) {
      if (channel === 'inbox') continue;
      const send = senders.get(channel);
      if (send) await send({ tx, to, event, words, inboxMessageId });
      else tx.ctx.log.warn({ channel, kind: event.kind }, 'no sender registered for this notification channel');
    }
  }
  return inboxIds;
}

/** Recipients: every administrator of the organization, and one more account (who started what is answered). */
export async function orgAdmins(tx: Tx, orgId: string, alsoAccountId?: string | null): Promise<string[]> {
  const ids = await orgs.adminIds(tx.db, orgId);
  return alsoAccountId ? [...ids, alsoAccountId] : ids;
}

/** Queues a message to an address (delivered after the commit by the outbox deliverer). */
export async function sendToAddress(tx: Tx, message: OutgoingMessage): Promise<void> {
  await enqueueMessage(tx.db, message, tx.now);
  tx.queuedMail();
}
