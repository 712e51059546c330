// Every route that takes an id, called by each outsider who must not act on that object, with the REAL id of
// an object in a small world. Table-driven; the test fails when the OpenAPI document has an id-taking route
// the table does not cover, so a new route cannot slip through. A refused call must change nothing.
//
// Statuses: a caller with no relation to the object (another owner, a stranger, another organization) gets
// 404, the same as for an unknown id, so they cannot learn that it exists. A caller who already knows the
// object (the recipient of a share, a technician of the organization, the invitee) gets 403 where the
// area's docs say so, and 404 otherwise, as pinned per route below.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { ownDevice, registerDevices } from '../helpers/devices.ts';
import {
  addMember,
  addSiteDevices,
  createOrg,
  createSite,
  handedOverSite,
  verifiedPerson,
} from '../helpers/installer.ts';
import type { Person } from '../helpers/people.ts';
import { fillPath, operationsOf, type Method } from '../helpers/openapi.ts';
import { changedTables, snapshot } from '../helpers/snapshot.ts';
import { newId } from '../../src/lib/ids.ts';
import { insertEndpoint } from '../../src/webhooks/store.ts';
import { api, ok, statusOf } from '../helpers/api.ts';

interface World {
  owner: Person;
  recipient: Person;
  owner2: Person;
  stranger: Person;
  installerA: Person;
  techA: Person;
  siteOwner: Person;
  adminB: Person;
  memberB: Person;
  /** Manages `device` for its owner: refused what only the owner may do. */
  manager: Person;
  device: { id: string };
  shareId: string;
  inboxMessageId: string;
  ownerSessionId: string;
  transferId: string;
  transferDevice: { id: string };
  orgA: string;
  orgB: string;
  siteHandedOver: string;
  handedDevice: string;
  siteA2: string;
  siteA2Device: string;
  handoverInvitationId: string;
  orgInvitationId: string;
  applicationId: string;
  ownerWebhookId: string;
  orgAWebhookId: string;
  guestLinkId: string;
  /** owner2 claims the owner's `device` (ownership claims). */
  claimId: string;
  claimFileId: string;
}

type Outsider = Exclude<
  keyof World,
  | 'device'
  | 'shareId'
  | 'inboxMessageId'
  | 'ownerSessionId'
  | 'transferId'
  | 'transferDevice'
  | 'orgA'
  | 'orgB'
  | 'siteHandedOver'
  | 'handedDevice'
  | 'siteA2'
  | 'siteA2Device'
  | 'handoverInvitationId'
  | 'orgInvitationId'
  | 'applicationId'
  | 'ownerWebhookId'
  | 'orgAWebhookId'
  | 'guestLinkId'
  | 'claimId'
  | 'claimFileId'
>;

interface Entry {
  /** The real ids to put into the path. */
  ids: (w: World) => Record<string, string>;
  /** Who must be refused, and with which status. */
  refuse: Partial<Record<Outsider, 403 | 404>>;
  /** A valid body, so the refusal is about who calls, not about what they send. */
  body?: (w: World) => unknown;
  /**
   * The route answers about the caller's own objects only (e.g. "what can this person do on MY devices"):
   * an outsider gets an empty answer rather than a refusal; it must show none of the real owner's data.
   */
  scopedToCaller?: (w: World, body: string) => string | null;
}

const STRANGERS = { owner2: 404, stranger: 404, adminB: 404 } as const;
/** Operator routes: a 403 to any account that is not an operator, whatever it has to do with the object. */
const OPERATORS_ONLY = { owner: 403, owner2: 403, stranger: 403, adminB: 403 } as const;

const TABLE: Record<string, Entry> = {
  // guest links (owner only; a guest session is no login at all: covered in guest-links.test.ts)
  'POST /api/devices/{id}/guest-links': {
    ids: (w) => ({ id: w.device.id }),
    body: () => ({ channels: [1], validity: { preset: '15m' } }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404 },
  },
  'GET /api/devices/{id}/guest-links': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404 },
  },
  'DELETE /api/guest-links/{id}': {
    ids: (w) => ({ id: w.guestLinkId }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404, techA: 404 },
  },
  // accounts
  'DELETE /api/me/sessions/{id}': {
    ids: (w) => ({ id: w.ownerSessionId }),
    refuse: { recipient: 404, stranger: 404, owner2: 404 },
  },
  'POST /api/inbox/{id}/read': {
    ids: (w) => ({ id: w.inboxMessageId }),
    refuse: { owner: 404, stranger: 404, owner2: 404 },
  },

  // devices (owner only)
  'GET /api/devices/{id}': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404 },
  },
  'PATCH /api/devices/{id}': {
    ids: (w) => ({ id: w.device.id }),
    body: () => ({ name: 'Taken over' }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'DELETE /api/devices/{id}': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404, manager: 403 },
  },
  'PATCH /api/devices/{id}/channels/{number}': {
    ids: (w) => ({ id: w.device.id, number: '1' }),
    body: () => ({ name: 'Renamed' }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/devices/{id}/audit': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  'POST /api/devices/{id}/transfer': {
    ids: (w) => ({ id: w.device.id }),
    body: (w) => ({ to: w.stranger.email }),
    refuse: { ...STRANGERS, recipient: 404, manager: 403 },
  },
  'DELETE /api/devices/{id}/transfer': {
    ids: (w) => ({ id: w.transferDevice.id }),
    refuse: { ...STRANGERS, recipient: 404, owner2: 404 },
  },
  'POST /api/devices/{id}/publish-credential': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/devices/{id}/access': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  // household visibility (issue 17): the owner's switches and refused attempts are the owner's; the household
  // screen answers a recipient 403 while the owner has not turned it on (they know the device), others 404.
  'GET /api/devices/{id}/household': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 403, installerA: 404 },
  },
  'GET /api/devices/{id}/visibility': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  'PATCH /api/devices/{id}/visibility': {
    ids: (w) => ({ id: w.device.id }),
    body: () => ({ householdVisible: true, notifyDenied: true }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/devices/{id}/denied-attempts': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/transfers/{id}': {
    ids: (w) => ({ id: w.transferId }),
    refuse: { stranger: 404, recipient: 404, adminB: 404 },
  },
  'POST /api/transfers/{id}/accept': {
    ids: (w) => ({ id: w.transferId }),
    refuse: { stranger: 404, recipient: 404, owner: 404 },
  },
  'POST /api/transfers/{id}/decline': {
    ids: (w) => ({ id: w.transferId }),
    refuse: { stranger: 404, recipient: 404, owner: 404 },
  },

  // sharing (owner only; a recipient may never reshare or edit)
  'POST /api/devices/{id}/shares/preview': {
    ids: (w) => ({ id: w.device.id }),
    body: shareBody,
    refuse: { ...STRANGERS, recipient: 403 },
  },
  'POST /api/devices/{id}/shares': {
    ids: (w) => ({ id: w.device.id }),
    body: shareBody,
    refuse: { ...STRANGERS, recipient: 403 },
  },
  'GET /api/devices/{id}/shares': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  'DELETE /api/devices/{id}/shares': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  'PATCH /api/shares/{id}': {
    ids: (w) => ({ id: w.shareId }),
    body: () => ({ scope: 'device', permissions: ['live_view', 'playback', 'configuration'] }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'DELETE /api/shares/{id}': { ids: (w) => ({ id: w.shareId }), refuse: { ...STRANGERS } },

  // co-managers (the owner makes and removes them; a manager sees them and may step down, never make one)
  'GET /api/devices/{id}/managers': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, recipient: 404 } },
  'POST /api/devices/{id}/managers': {
    ids: (w) => ({ id: w.device.id }),
    body: (w) => ({ manager: { email: w.stranger.email } }),
    refuse: { ...STRANGERS, recipient: 404, manager: 403 },
  },
  'DELETE /api/devices/{id}/managers/{accountId}': {
    ids: (w) => ({ id: w.device.id, accountId: w.manager.id }),
    refuse: { ...STRANGERS, recipient: 404 },
  },

  // access review (answers about the caller's own devices)
  'GET /api/access-review/{kind}/{id}': {
    ids: (w) => ({ kind: 'accounts', id: w.recipient.id }),
    refuse: {},
    scopedToCaller: (w, body) =>
      body.includes(w.device.id) || body.includes(w.shareId) ? 'shows the owner’s device or share' : null,
  },
  'POST /api/access-review/{kind}/{id}/revoke': {
    ids: (w) => ({ kind: 'accounts', id: w.recipient.id }),
    refuse: {},
    scopedToCaller: (w, body) =>
      body.includes(w.device.id) || body.includes(w.shareId) ? 'touched the owner’s device or share' : null,
  },

  // ownership claims: the claimant (owner2) sees the claim but may not answer it; operator routes refuse everyone else
  'GET /api/claims/{id}': {
    ids: (w) => ({ id: w.claimId }),
    refuse: { stranger: 404, adminB: 404, recipient: 404, installerA: 404 },
  },
  'POST /api/claims/{id}/release': {
    ids: (w) => ({ id: w.claimId }),
    refuse: { stranger: 404, adminB: 404, recipient: 404, owner2: 403 },
  },
  'POST /api/claims/{id}/reject': {
    ids: (w) => ({ id: w.claimId }),
    refuse: { stranger: 404, adminB: 404, recipient: 404, owner2: 403 },
  },
  'GET /api/admin/claims/{id}': { ids: (w) => ({ id: w.claimId }), refuse: OPERATORS_ONLY },
  'GET /api/admin/claims/{id}/files/{fileId}': {
    ids: (w) => ({ id: w.claimId, fileId: w.claimFileId }),
    refuse: OPERATORS_ONLY,
  },
  'POST /api/admin/claims/{id}/transfer': {
    ids: (w) => ({ id: w.claimId }),
    body: () => ({ note: 'Taken' }),
    refuse: OPERATORS_ONLY,
  },
  'POST /api/admin/claims/{id}/dismiss': {
    ids: (w) => ({ id: w.claimId }),
    body: () => ({ note: 'Dismissed' }),
    refuse: OPERATORS_ONLY,
  },

  // organizations
  'GET /api/orgs/{orgId}': { ids: (w) => ({ orgId: w.orgA }), refuse: { ...STRANGERS, memberB: 404, siteOwner: 404 } },
  'GET /api/orgs/{orgId}/authorized-devices': {
    ids: (w) => ({ orgId: w.orgA }),
    refuse: { ...STRANGERS, memberB: 404, siteOwner: 404 },
  },
  'PATCH /api/orgs/{orgId}': {
    ids: (w) => ({ orgId: w.orgA }),
    body: () => ({ name: 'Hijacked' }),
    refuse: { ...STRANGERS, techA: 403, siteOwner: 404 },
  },
  // trust-identity: an organization's two-factor requirement (admins only).
  'PUT /api/orgs/{orgId}/security': {
    ids: (w) => ({ orgId: w.orgA }),
    body: () => ({ requireTwoFactor: false }),
    refuse: { ...STRANGERS, techA: 403, siteOwner: 404 },
  },
  'GET /api/orgs/{orgId}/qr.png': { ids: (w) => ({ orgId: w.orgA }), refuse: { ...STRANGERS, siteOwner: 404 } },
  'GET /api/orgs/{orgId}/qr.svg': { ids: (w) => ({ orgId: w.orgA }), refuse: { ...STRANGERS, siteOwner: 404 } },
  'POST /api/orgs/{orgId}/invitations': {
    ids: (w) => ({ orgId: w.orgA }),
    body: () => ({ email: 'friend@example.com', role: 'admin' }),
    refuse: { ...STRANGERS, techA: 403 },
  },
  'GET /api/orgs/{orgId}/invitations': { ids: (w) => ({ orgId: w.orgA }), refuse: { ...STRANGERS, techA: 403 } },
  'DELETE /api/orgs/{orgId}/invitations/{invitationId}': {
    ids: (w) => ({ orgId: w.orgA, invitationId: w.orgInvitationId }),
    refuse: { ...STRANGERS, techA: 403 },
  },
  'POST /api/org-invitations/{invitationId}/accept': {
    ids: (w) => ({ invitationId: w.orgInvitationId }),
    refuse: { stranger: 404, adminB: 404, owner: 404 },
  },
  'POST /api/org-invitations/{invitationId}/decline': {
    ids: (w) => ({ invitationId: w.orgInvitationId }),
    refuse: { stranger: 404, adminB: 404, owner: 404 },
  },
  'PATCH /api/orgs/{orgId}/members/{accountId}': {
    ids: (w) => ({ orgId: w.orgA, accountId: w.techA.id }),
    body: () => ({ role: 'admin' }),
    refuse: { ...STRANGERS, techA: 403 },
  },
  'DELETE /api/orgs/{orgId}/members/{accountId}': {
    ids: (w) => ({ orgId: w.orgA, accountId: w.techA.id }),
    refuse: { ...STRANGERS, siteOwner: 404 },
  },

  // sites and handover
  'POST /api/orgs/{orgId}/sites': {
    ids: (w) => ({ orgId: w.orgA }),
    body: () => ({ name: 'Intruder site', timeZone: 'UTC' }),
    refuse: { ...STRANGERS, siteOwner: 404 },
  },
  'GET /api/orgs/{orgId}/sites': { ids: (w) => ({ orgId: w.orgA }), refuse: { ...STRANGERS, siteOwner: 404 } },
  'GET /api/sites/{siteId}': { ids: (w) => ({ siteId: w.siteA2 }), refuse: { ...STRANGERS, memberB: 404, owner: 404 } },
  'PATCH /api/sites/{siteId}': {
    ids: (w) => ({ siteId: w.siteA2 }),
    body: () => ({ name: 'Renamed by outsider' }),
    refuse: { ...STRANGERS, memberB: 404 },
  },
  'DELETE /api/sites/{siteId}': { ids: (w) => ({ siteId: w.siteA2 }), refuse: { ...STRANGERS, techA: 403 } },
  'POST /api/sites/{siteId}/devices': {
    ids: (w) => ({ siteId: w.siteA2 }),
    body: () => ({ serial: 'NOT-A-REAL-1', verificationCode: 'ABCD' }),
    refuse: { ...STRANGERS },
  },
  'DELETE /api/sites/{siteId}/devices/{deviceId}': {
    ids: (w) => ({ siteId: w.siteA2, deviceId: w.siteA2Device }),
    refuse: { ...STRANGERS, siteOwner: 404 },
  },
  'POST /api/sites/{siteId}/handover': {
    ids: (w) => ({ siteId: w.siteA2 }),
    body: (w) => ({
      email: w.stranger.email,
      devices: [{ deviceId: w.siteA2Device, permissions: [{ permission: 'live_view', validity: 'permanent' }] }],
    }),
    refuse: { ...STRANGERS },
  },
  'GET /api/sites/{siteId}/handover': { ids: (w) => ({ siteId: w.siteA2 }), refuse: { ...STRANGERS } },
  'POST /api/sites/{siteId}/handover/cancel': { ids: (w) => ({ siteId: w.siteA2 }), refuse: { ...STRANGERS } },
  'POST /api/sites/{siteId}/handover/resend': { ids: (w) => ({ siteId: w.siteA2 }), refuse: { ...STRANGERS } },
  'GET /api/handover-invitations/{invitationId}': {
    ids: (w) => ({ invitationId: w.handoverInvitationId }),
    refuse: { stranger: 404, adminB: 404, owner: 404 },
  },
  'POST /api/handover-invitations/{invitationId}/accept': {
    ids: (w) => ({ invitationId: w.handoverInvitationId }),
    body: () => ({}),
    refuse: { stranger: 404, adminB: 404, owner: 404, installerA: 404 },
  },
  'POST /api/handover-invitations/{invitationId}/decline': {
    ids: (w) => ({ invitationId: w.handoverInvitationId }),
    refuse: { stranger: 404, adminB: 404, owner: 404, installerA: 404 },
  },

  // authorizations (the device owner decides; an installer only releases)
  'GET /api/devices/{id}/authorizations': {
    ids: (w) => ({ id: w.handedDevice }),
    refuse: { ...STRANGERS, owner: 404, installerA: 404, techA: 404 },
  },
  'PUT /api/devices/{id}/authorizations/{orgId}': {
    ids: (w) => ({ id: w.handedDevice, orgId: w.orgA }),
    body: () => ({
      permissions: ['live_view', 'playback', 'configuration', 'ptz', 'download'].map((permission) => ({
        permission,
        validity: 'permanent',
      })),
    }),
    refuse: { ...STRANGERS, owner: 404, installerA: 404, techA: 404 },
  },
  'DELETE /api/devices/{id}/authorizations/{orgId}': {
    ids: (w) => ({ id: w.handedDevice, orgId: w.orgA }),
    refuse: { ...STRANGERS, owner: 404, installerA: 404, techA: 404 },
  },
  'DELETE /api/devices/{id}/authorizations/{orgId}/permissions/{permission}': {
    ids: (w) => ({ id: w.handedDevice, orgId: w.orgA, permission: 'playback' }),
    refuse: { ...STRANGERS, owner: 404, installerA: 404, techA: 404 },
  },
  'DELETE /api/orgs/{orgId}/authorizations/{deviceId}/permissions/{permission}': {
    ids: (w) => ({ orgId: w.orgA, deviceId: w.handedDevice, permission: 'playback' }),
    refuse: { ...STRANGERS, memberB: 404, siteOwner: 404 },
  },

  // device link: health and link secret (owner, or an organization with configuration/alarm notifications),
  // commands (configuration), the site's Exception tab and the portal's counts (members of the organization)
  'POST /api/devices/{id}/link-secret': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404 },
  },
  'GET /api/devices/{id}/health': {
    ids: (w) => ({ id: w.device.id }),
    refuse: { ...STRANGERS, recipient: 404, installerA: 404 },
  },
  'POST /api/devices/{id}/commands': {
    ids: (w) => ({ id: w.device.id }),
    body: () => ({ type: 'request_health' }),
    refuse: { ...STRANGERS, recipient: 403, installerA: 404 },
  },
  'GET /api/sites/{siteId}/exceptions': {
    ids: (w) => ({ siteId: w.siteA2 }),
    refuse: { ...STRANGERS, memberB: 404, owner: 404 },
  },
  'GET /api/orgs/{orgId}/exception-counts': {
    ids: (w) => ({ orgId: w.orgA }),
    refuse: { ...STRANGERS, memberB: 404, siteOwner: 404 },
  },

  // permission applications
  'POST /api/sites/{siteId}/applications': {
    ids: (w) => ({ siteId: w.siteHandedOver }),
    body: (w) => ({ deviceIds: [w.handedDevice], permissions: ['ptz'], validity: '1h' }),
    refuse: { ...STRANGERS, memberB: 404, siteOwner: 404 },
  },
  'GET /api/sites/{siteId}/applications': {
    ids: (w) => ({ siteId: w.siteHandedOver }),
    refuse: { ...STRANGERS, siteOwner: 404 },
  },
  'POST /api/applications/{applicationId}/cancel': {
    ids: (w) => ({ applicationId: w.applicationId }),
    refuse: { ...STRANGERS, siteOwner: 404 },
  },
  'GET /api/applications/{applicationId}': {
    ids: (w) => ({ applicationId: w.applicationId }),
    refuse: { ...STRANGERS, owner: 404 },
  },
  'POST /api/applications/{applicationId}/agree': {
    ids: (w) => ({ applicationId: w.applicationId }),
    refuse: { ...STRANGERS, installerA: 404, techA: 404 },
  },
  'POST /api/applications/{applicationId}/reject': {
    ids: (w) => ({ applicationId: w.applicationId }),
    refuse: { ...STRANGERS, installerA: 404, techA: 404 },
  },
};

// webhooks: a person's own endpoints, and an organization's (admins; its technicians get 403)
const WEBHOOK_BODY = () => ({ url: 'https://hooks.example.net/in', events: ['share.created'] });
Object.assign(TABLE, {
  'GET /api/me/webhooks/{id}': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'PATCH /api/me/webhooks/{id}': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    body: () => ({ description: 'taken over' }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'DELETE /api/me/webhooks/{id}': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'POST /api/me/webhooks/{id}/rotate-secret': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'POST /api/me/webhooks/{id}/test': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/me/webhooks/{id}/deliveries': {
    ids: (w: World) => ({ id: w.ownerWebhookId }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
  'GET /api/orgs/{orgId}/webhooks': {
    ids: (w: World) => ({ orgId: w.orgA }),
    refuse: { ...STRANGERS, techA: 403, siteOwner: 404 },
  },
  'POST /api/orgs/{orgId}/webhooks': {
    ids: (w: World) => ({ orgId: w.orgA }),
    body: WEBHOOK_BODY,
    refuse: { ...STRANGERS, techA: 403, siteOwner: 404 },
  },
  ...Object.fromEntries(
    (
      [
        ['GET', ''],
        ['PATCH', ''],
        ['DELETE', ''],
        ['POST', '/rotate-secret'],
        ['POST', '/test'],
        ['GET', '/deliveries'],
      ] as const
    ).map(([method, tail]) => [
      `${method} /api/orgs/{orgId}/webhooks/{id}${tail}`,
      {
        ids: (w: World) => ({ orgId: w.orgA, id: w.orgAWebhookId }),
        ...(method === 'PATCH' ? { body: () => ({ description: 'taken over' }) } : {}),
        refuse: { ...STRANGERS, techA: 403, siteOwner: 404 },
      },
    ]),
  ),
});

// media: watching (docs/mediamtx.md)
Object.assign(TABLE, {
  'GET /api/devices/{id}/media': { ids: (w) => ({ id: w.device.id }), refuse: { ...STRANGERS, installerA: 404 } },
  'GET /api/devices/{id}/channels/{channel}/playback-windows': {
    ids: (w) => ({ id: w.device.id, channel: '1' }),
    refuse: { ...STRANGERS, installerA: 404 },
  },
  'GET /api/shares/{id}/recordings': { ids: (w) => ({ id: w.shareId }), refuse: { ...STRANGERS, recipient: 404 } },
  'PUT /api/shares/{id}/recordings': {
    ids: (w) => ({ id: w.shareId }),
    body: () => ({ recordings: { from: 0, until: null } }),
    refuse: { ...STRANGERS, recipient: 404 },
  },
} satisfies Record<string, Entry>);

/** Routes whose object ids travel in the body rather than the path. */
const BODY_ID_CALLS: Array<{
  label: string;
  method: Method;
  url: string | ((w: World) => string);
  body: (w: World) => unknown;
  refuse: Partial<Record<Outsider, number>>;
  /** For answers that are 200 by design (a decision), what must be true of them. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read as loose JSON
  check?: (json: any) => string | null;
}> = [
  {
    label: 'stream ticket for a channel outside the share',
    method: 'POST',
    url: '/api/stream-tickets',
    body: (w) => ({ deviceId: w.device.id, channel: 2, permission: 'live_view' }),
    refuse: { recipient: 403, stranger: 404, owner2: 404 },
  },
  {
    label: 'stream ticket for a permission outside the share',
    method: 'POST',
    url: '/api/stream-tickets',
    body: (w) => ({ deviceId: w.device.id, channel: 1, permission: 'playback' }),
    refuse: { recipient: 403, stranger: 404 },
  },
  {
    label: "access check about someone else's access to another owner's device",
    method: 'POST',
    url: '/api/access/check',
    body: (w) => ({ deviceId: w.device.id, channel: 1, permission: 'live_view', subject: { accountId: w.techA.id } }),
    refuse: { stranger: 404, owner2: 404, recipient: 404 },
  },
  {
    label: "access check on another owner's device",
    method: 'POST',
    url: '/api/access/check',
    body: (w) => ({ deviceId: w.device.id, channel: 1, permission: 'configuration' }),
    refuse: { stranger: 200, recipient: 200 },
    check: (json) => (json.allowed === false ? null : 'allowed'),
  },
  {
    label: "bulk share of another owner's device",
    method: 'POST',
    url: '/api/shares/bulk',
    body: (w) => ({
      recipient: { email: w.stranger.email },
      devices: [{ deviceId: w.device.id, scope: 'device', permissions: ['live_view'] }],
    }),
    refuse: { owner2: 404, recipient: 403 },
  },
  {
    label: "making someone a manager of another owner's device (the several-devices route)",
    method: 'POST',
    url: '/api/managers',
    body: (w) => ({ manager: { email: w.stranger.email }, devices: [w.device.id] }),
    refuse: { owner2: 404, recipient: 404, stranger: 404, installerA: 404, techA: 404, adminB: 404, manager: 403 },
  },
  {
    label: "entrusting another owner's device to an organization",
    method: 'POST',
    url: '/api/authorizations',
    body: (w) => ({
      org: w.orgB,
      deviceIds: [w.device.id],
      permissions: [{ permission: 'live_view', validity: 'permanent' }],
    }),
    // named as a bad entry of the list, the same answer as for an id that does not exist
    refuse: { owner2: 400, recipient: 400, adminB: 400 },
    check: (json) => (json.code === 'device_not_owned' ? null : `code ${json.code}`),
  },
  {
    label: "deciding another owner's application",
    method: 'POST',
    url: '/api/applications/decide',
    body: (w) => ({ applicationIds: [w.applicationId], decision: 'agree' }),
    refuse: { owner: 404, installerA: 404, techA: 404, stranger: 404 },
  },
  {
    label: 'applying for a device of another site',
    method: 'POST',
    url: (w) => `/api/sites/${w.siteHandedOver}/applications`,
    body: (w) => ({ deviceIds: [w.device.id], permissions: ['ptz'], validity: '1h' }),
    refuse: { techA: 400 },
    check: (json) => (json.code === 'device_not_on_site' ? null : `code ${json.code}`),
  },
  // change previews (issue 17): refused exactly like the change they preview, and changing nothing
  {
    label: "preview of editing another owner's share",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({ kind: 'share.update', shareId: w.shareId, scope: 'device', permissions: ['live_view', 'ptz'] }),
    refuse: { owner2: 404, stranger: 404, recipient: 404 },
  },
  {
    label: "preview of revoking another owner's share",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({ kind: 'share.revoke', shareId: w.shareId }),
    refuse: { owner2: 404, stranger: 404 },
  },
  {
    label: "preview of revoking every share of another owner's device",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({ kind: 'shares.revoke_all', deviceId: w.device.id }),
    refuse: { owner2: 404, stranger: 404, recipient: 404 },
  },
  {
    label: "preview of a bulk share of another owner's device",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({
      kind: 'shares.bulk',
      recipient: { email: w.stranger.email },
      devices: [{ deviceId: w.device.id, scope: 'device', permissions: ['live_view'] }],
    }),
    refuse: { owner2: 404, recipient: 403 },
  },
  {
    label: "preview of cancelling another owner's authorization",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({ kind: 'authorization.cancel', deviceId: w.handedDevice, orgId: w.orgA }),
    refuse: { owner: 404, stranger: 404, installerA: 404, techA: 404 },
  },
  {
    label: "preview of accepting someone else's handover invitation",
    method: 'POST',
    url: '/api/previews',
    body: (w) => ({ kind: 'handover.accept', invitationId: w.handoverInvitationId }),
    refuse: { owner: 404, stranger: 404, installerA: 404 },
  },
];

function shareBody(w: World) {
  return { recipient: { email: w.stranger.email }, scope: 'device', permissions: ['live_view', 'configuration'] };
}

async function call(h: Harness, method: Method, url: string, token: string | undefined, body: unknown) {
  return h.request({ method, url, ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) });
}

async function buildWorld(h: Harness): Promise<World> {
  const handed = await handedOverSite(h, { devices: 1 });
  const [owner, recipient, owner2, stranger, techA, adminB, memberB, manager] = (await Promise.all(
    ['Owner', 'Recipient', 'Second Owner', 'Stranger', 'Technician', 'Admin B', 'Member B', 'Manager'].map((n) =>
      verifiedPerson(h, n),
    ),
  )) as [Person, Person, Person, Person, Person, Person, Person, Person];
  const device = await ownDevice(h, owner, { kind: 'recorder', channels: 4, model: 'Coastal I-Series NVR' });
  const transferDevice = await ownDevice(h, owner, {});
  await ownDevice(h, owner2, {});

  const asOwner = api(h, owner.token);
  const onDevice = { params: { path: { id: device.id } } };
  const share = await ok(
    asOwner.POST('/api/devices/{id}/shares', {
      ...onDevice,
      body: { recipient: { email: recipient.email }, scope: 'channels', channels: [1], permissions: ['live_view'] },
    }),
    201,
  );
  await ok(
    asOwner.POST('/api/devices/{id}/managers', { ...onDevice, body: { manager: { email: manager.email } } }),
    201,
  );
  const inbox = await ok(api(h, recipient.token).GET('/api/inbox'), 200);
  const inboxMessageId = inbox.items.find((m) => m.kind === 'share_received')!.id;
  const sessions = await ok(asOwner.GET('/api/me/sessions'), 200);
  const ownerSessionId = sessions.find((s) => s.current)!.id;
  const transfer = await ok(
    asOwner.POST('/api/devices/{id}/transfer', {
      params: { path: { id: transferDevice.id } },
      body: { to: owner2.email },
    }),
    201,
  );

  const orgA = handed.org.id;
  await addMember(h, handed.installer, orgA, techA);
  const orgB = await createOrg(h, adminB, 'Other Installers');
  await addMember(h, adminB, orgB.id, memberB);

  const siteA2 = await createSite(h, handed.installer, orgA, 'Second site');
  const [siteA2Device] = await addSiteDevices(h, handed.installer, siteA2.id, [{}]);
  const asInstaller = api(h, handed.installer.token);
  const handover = await ok(
    asInstaller.POST('/api/sites/{siteId}/handover', {
      params: { path: { siteId: siteA2.id } },
      body: {
        email: owner2.email,
        devices: [{ deviceId: siteA2Device!.id, permissions: [{ permission: 'live_view', validity: 'permanent' }] }],
      },
    }),
    201,
  );
  const orgInvitation = await ok(
    asInstaller.POST('/api/orgs/{orgId}/invitations', {
      params: { path: { orgId: orgA } },
      body: { email: owner2.email, role: 'technician' },
    }),
    201,
  );
  const application = await ok(
    api(h, techA.token).POST('/api/sites/{siteId}/applications', {
      params: { path: { siteId: handed.site.id } },
      body: { deviceIds: [handed.devices[0]!.id], permissions: ['ptz'], validity: '4h', remark: 'maintenance' },
    }),
    201,
  );
  // a device nobody in the world owns, so that the site-device route has a registry device to be refused
  await registerDevices(h, [{}]);
  // webhook endpoints (straight into the table: registering one resolves its host, which tests need not do)
  const webhook = async (owner: { account_id: string | null; org_id: string | null }) => {
    const id = newId('whk');
    await insertEndpoint(h.runtime.ctx.db, {
      id,
      ...owner,
      url: 'https://hooks.example.net/in',
      description: '',
      events: '["share.created"]',
      secret: 'whsec_dGVzdA==',
      enabled: 1,
      disabled_reason: null,
      consecutive_failures: 0,
      created_by_account_id: null,
      created_at: h.clock.now(),
      updated_at: h.clock.now(),
    });
    return id;
  };
  const guestLink = await ok(
    asOwner.POST('/api/devices/{id}/guest-links', { ...onDevice, body: { channels: [1], validity: { preset: '1h' } } }),
    201,
  );
  const ownerWebhookId = await webhook({ account_id: owner.id, org_id: null });
  const orgAWebhookId = await webhook({ account_id: null, org_id: orgA });
  const claim = await ok(
    api(h, owner2.token).POST('/api/claims', {
      body: {
        serial: device.serial,
        verificationCode: device.code,
        message: 'Mine.',
        files: [
          { kind: 'label_photo', name: 'l.png', data: Buffer.from('\x89PNG\r\n\x1a\nx', 'latin1').toString('base64') },
          { kind: 'proof_of_purchase', name: 'r.pdf', data: Buffer.from('%PDF-1.4 r').toString('base64') },
        ],
      },
    }),
    201,
  );

  return {
    owner,
    recipient,
    owner2,
    stranger,
    installerA: handed.installer,
    techA,
    siteOwner: handed.owner,
    adminB,
    memberB,
    manager,
    device: { id: device.id },
    shareId: share.id!,
    inboxMessageId,
    ownerSessionId,
    transferId: transfer.id,
    transferDevice: { id: transferDevice.id },
    orgA,
    orgB: orgB.id,
    siteHandedOver: handed.site.id,
    handedDevice: handed.devices[0]!.id,
    siteA2: siteA2.id,
    siteA2Device: siteA2Device!.id,
    handoverInvitationId: handover.id,
    orgInvitationId: orgInvitation.id,
    applicationId: application[0]!.id,
    ownerWebhookId,
    orgAWebhookId,
    guestLinkId: guestLink.link.id,
    claimId: claim.id,
    claimFileId: claim.files[0]!.id,
  };
}

describeEachDatabase('outsiders: every id-taking route refuses who must not act on the object', (h) => {
  let world: World;
  let idRoutes: Array<{ method: Method; path: string; key: string }>;

  before(async () => {
    idRoutes = operationsOf(h()).filter((op) => op.pathParams.length > 0);
    world = await buildWorld(h());
  });

  test('every route with a path id in the OpenAPI document is in the table, and the table names no route that is gone', () => {
    assert.ok(idRoutes.length >= 50, `only ${idRoutes.length} id-taking routes`);
    const missing = idRoutes.map((r) => r.key).filter((k) => !TABLE[k]);
    assert.deepEqual(missing, [], `add these routes to the outsiders table:\n${missing.join('\n')}`);
    const stale = Object.keys(TABLE).filter((k) => !idRoutes.some((r) => r.key === k));
    assert.deepEqual(stale, [], `routes in the table but not in the API:\n${stale.join('\n')}`);
    for (const [key, entry] of Object.entries(TABLE)) {
      assert.ok(Object.keys(entry.refuse).length > 0 || entry.scopedToCaller, `${key} refuses nobody`);
    }
  });

  test('each outsider is refused with the pinned status, and nothing changes', async () => {
    const faults: string[] = [];
    let calls = 0;
    for (const route of idRoutes) {
      const entry = TABLE[route.key];
      if (!entry) continue;
      const url = fillPath(route.path, entry.ids(world));
      const body = entry.body?.(world);
      const before = await snapshot(h());
      const callers: Array<[string, string | undefined, number | 'scoped']> = [['logged out', undefined, 401]];
      for (const [who, status] of Object.entries(entry.refuse))
        callers.push([who, world[who as Outsider].token, status]);
      if (entry.scopedToCaller)
        for (const who of ['stranger', 'owner2', 'adminB'] as const) callers.push([who, world[who].token, 'scoped']);
      for (const [who, token, expected] of callers) {
        const res = await call(h(), route.method, url, token, body);
        calls += 1;
        if (expected === 'scoped') {
          if (res.statusCode !== 404 && res.statusCode !== 200)
            faults.push(`${route.key} as ${who}: ${res.statusCode} ${res.body.slice(0, 160)}`);
          const leak = res.statusCode === 200 ? entry.scopedToCaller!(world, res.body) : null;
          if (leak) faults.push(`${route.key} as ${who}: ${leak}`);
          continue;
        }
        const ct = String(res.headers['content-type']);
        if (res.statusCode !== expected || !ct.startsWith('application/problem+json')) {
          faults.push(`${route.key} as ${who}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
      const changed = changedTables(before, await snapshot(h()));
      if (changed.length) faults.push(`${route.key}: a refused call changed ${changed.join(', ')}`);
    }
    assert.ok(calls > 200, `only ${calls} calls`);
    assert.deepEqual(faults, [], faults.join('\n'));
  });

  test('routes that take ids in the body refuse the same outsiders, and nothing changes', async () => {
    const w = world;
    const faults: string[] = [];
    for (const entry of BODY_ID_CALLS) {
      const body = entry.body(w);
      const before = await snapshot(h());
      for (const [who, status] of Object.entries(entry.refuse)) {
        const url = typeof entry.url === 'string' ? entry.url : entry.url(w);
        const res = await call(h(), entry.method, url, w[who as Outsider].token, body);
        if (res.statusCode !== status)
          faults.push(`${entry.label} as ${who}: expected ${status}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        else if (entry.check) {
          const fault = entry.check(res.json());
          if (fault) faults.push(`${entry.label} as ${who}: ${fault}`);
        }
      }
      const changed = changedTables(before, await snapshot(h()));
      if (changed.length) faults.push(`${entry.label}: a refused call changed ${changed.join(', ')}`);
    }
    assert.deepEqual(faults, [], faults.join('\n'));
  });

  test('after all that, the world is intact: share, authorization, session, offer and invitations still stand', async () => {
    const w = world;
    const asOwner = api(h(), w.owner.token);
    const asOwner2 = api(h(), w.owner2.token);
    const onDevice = { params: { path: { id: w.device.id } } };
    const shares = await ok(asOwner.GET('/api/devices/{id}/shares', onDevice), 200);
    assert.deepEqual(
      shares.map((s) => s.id),
      [w.shareId],
    );
    const auth = await ok(
      api(h(), w.siteOwner.token).GET('/api/devices/{id}/authorizations', { params: { path: { id: w.handedDevice } } }),
      200,
    );
    const authText = JSON.stringify(auth);
    assert.match(authText, new RegExp(w.orgA));
    assert.match(authText, /playback/);
    assert.equal(await statusOf(asOwner.GET('/api/me')), 200);
    const transfer = await ok(asOwner2.GET('/api/transfers/{id}', { params: { path: { id: w.transferId } } }), 200);
    assert.equal(transfer.status, 'pending');
    const invitation = await ok(
      asOwner2.GET('/api/handover-invitations/{invitationId}', {
        params: { path: { invitationId: w.handoverInvitationId } },
      }),
      200,
    );
    assert.equal(invitation.status, 'pending');
    const application = await ok(
      api(h(), w.siteOwner.token).GET('/api/applications/{applicationId}', {
        params: { path: { applicationId: w.applicationId } },
      }),
      200,
    );
    assert.equal(application.status, 'pending');
    const org = await ok(
      api(h(), w.installerA.token).GET('/api/orgs/{orgId}', { params: { path: { orgId: w.orgA } } }),
      200,
    );
    assert.equal(org.name, 'Coastal Security');
    const links = await ok(asOwner.GET('/api/devices/{id}/guest-links', onDevice), 200);
    assert.deepEqual(
      links.map((l) => [l.id, l.status]),
      [[w.guestLinkId, 'active']],
    );
    assert.ok(org.members.some((m) => m.accountId === w.techA.id && m.role === 'technician'));
  });
});
