// The typed schema Kysely checks every query against. Times are epoch milliseconds (BIGINT),
// booleans are 0/1 integers and lists are JSON text: the forms both SQLite and PostgreSQL store
// and compare the same way.
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  /** Lower-cased; unique. */
  email: string | null;
  email_verified_at: number | null;
  /** E.164; unique. */
  phone: string | null;
  phone_verified_at: number | null;
  display_name: string;
  password_hash: string;
  /** Opaque reference encoded in the personal QR ID; rotating it invalidates old images. */
  qr_ref: string;
  time_zone: string;
  is_operator: number;
  created_at: number;
  /** The language texts sent to this person are written in (`en`, `de`); null: not chosen (English). */
  language: string | null;
}

export interface VerificationCodesTable {
  id: string;
  account_id: string;
  channel: 'email' | 'phone';
  target: string;
  code_hash: string;
  attempts: number;
  expires_at: number;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  token_hash: string;
  kind: 'cookie' | 'bearer';
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

/** Counters for throttling guesses (logins, verification codes, device codes). */
export interface ThrottlesTable {
  key: string;
  failures: number;
  window_started_at: number;
  blocked_until: number | null;
}

export interface OutboxTable {
  id: string;
  /** `push`: recipient is a push subscription id, body the notification as JSON. */
  channel: 'email' | 'sms' | 'push';
  recipient: string;
  subject: string;
  body: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  /** How it was delivered: `smtp`, `dev` (the dev mailbox) … */
  transport: string | null;
  last_error: string | null;
}

export interface DevicesTable {
  id: string;
  serial: string;
  model: string;
  kind: 'camera' | 'recorder' | 'doorbell' | 'alarm_hub';
  /** The owner's name for it; defaults to the model. */
  name: string;
  verification_code_hash: string;
  firmware_version: string | null;
  /** JSON object of capability flags, e.g. {"supportsSharing":true}. */
  capabilities: string;
  supports_sharing: number;
  channel_count: number;
  online: number;
  last_seen_at: number | null;
  /** At most one of owner_account_id / holder_org_id is set (see docs/architecture.md). */
  owner_account_id: string | null;
  owner_since: number | null;
  holder_org_id: string | null;
  site_id: string | null;
  created_at: number;
}

export interface DeviceChannelsTable {
  device_id: string;
  number: number;
  name: string;
}

/** A browser that opted in to Web Push for an account (the PushSubscription it gave us). */
export interface PushSubscriptionsTable {
  id: string;
  account_id: string;
  session_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: number;
}

export interface PushVapidKeysTable {
  id: string;
  public_key: string;
  private_key: string;
  created_at: number;
}

export interface InboxMessagesTable {
  id: string;
  account_id: string;
  kind: string;
  title: string;
  body: string;
  /** JSON: ids the app needs to act on the message (device, share, invitation…). */
  data: string;
  created_at: number;
  read_at: number | null;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  id: string;
  at: number;
  actor_account_id: string | null;
  actor_org_id: string | null;
  action: string;
  device_id: string | null;
  object_type: string;
  object_id: string | null;
  /** JSON snapshots, null when there is nothing before (creation) or after (deletion). */
  before: string | null;
  after: string | null;
}

export interface SharesTable {
  id: string;
  device_id: string;
  owner_account_id: string;
  recipient_account_id: string;
  scope: 'device' | 'channels';
  /** JSON array of channel numbers; [] when the scope is the whole device. */
  channels: string;
  /** JSON array of permission names. */
  permissions: string;
  valid_from: number | null;
  valid_until: number | null;
  /** JSON weekly schedule or null (always). */
  schedule: string | null;
  /** The owner's time zone the schedule is read in. */
  time_zone: string;
  created_at: number;
  updated_at: number;
}

/** An account the owner lets manage one device (co-manager). */
export interface DeviceManagersTable {
  id: string;
  device_id: string;
  /** The owner who made them a manager: the row counts only while that account still owns the device. */
  owner_account_id: string;
  manager_account_id: string;
  created_at: number;
}

export interface InstallerOrgsTable {
  id: string;
  name: string;
  /** Opaque reference in the organization's QR ID. */
  qr_ref: string;
  created_by_account_id: string | null;
  created_at: number;
}

export interface OrgMembersTable {
  org_id: string;
  account_id: string;
  role: 'admin' | 'technician';
  created_at: number;
}

/** The owner's "Authorization Service": one row per (device, organization). */
export interface AuthorizationsTable {
  id: string;
  device_id: string;
  org_id: string;
  granted_by_account_id: string;
  created_at: number;
  updated_at: number;
}

/** Each authorized permission has its own validity. */
export interface AuthorizationPermissionsTable {
  authorization_id: string;
  permission: string;
  valid_from: number | null;
  valid_until: number | null;
}

/** Stream-ticket signing keys (Ed25519 JWKs as JSON text). */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: number;
  /** Set when a newer key took over; the key stays in the JWKS until its last ticket has expired. */
  retired_at: number | null;
}

/** A device's MediaMTX publish secret (hashed). */
export interface DevicePublishCredentialsTable {
  device_id: string;
  secret_hash: string;
  created_at: number;
}

/** An admin's invitation for a person (by email) to join an installer organization. */
export interface OrgInvitationsTable {
  id: string;
  org_id: string;
  /** Lower-cased. */
  email: string;
  role: 'admin' | 'technician';
  /** pending | accepted | declined | cancelled; `expired` is computed from expires_at on read. */
  status: string;
  invited_by_account_id: string;
  responded_by_account_id: string | null;
  created_at: number;
  expires_at: number;
  responded_at: number | null;
}

export interface SitesTable {
  id: string;
  org_id: string;
  name: string;
  address: string;
  time_zone: string;
  /** The latest handover invitation: it gives the site its status. */
  current_invitation_id: string | null;
  created_at: number;
  updated_at: number;
}

/** Hik-ProConnect "Invite": an organization hands a site's devices over to a person. */
export interface HandoverInvitationsTable {
  id: string;
  site_id: string;
  org_id: string;
  invited_by_account_id: string;
  channel: 'email' | 'sms';
  /** Normalized email or E.164 phone the invitation is addressed to. */
  contact: string;
  /** Set once delivered to a verified account with that contact. */
  invitee_account_id: string | null;
  /** JSON: [{deviceId, permissions:[{permission, validity}]}], the devices handed over and what the installer asks to keep. */
  devices: string;
  /** JSON: what the invitee agreed to, same shape; null until accepted. */
  agreed: string | null;
  /** pending | accepted | declined | cancelled; `expired` is computed from expires_at on read. */
  status: string;
  inbox_message_id: string | null;
  delivered_at: number | null;
  created_at: number;
  sent_at: number;
  expires_at: number;
  responded_at: number | null;
}

/** Hik-ProConnect "Available permission": one row per device; rows sent together share a batch id. */
export interface PermissionApplicationsTable {
  id: string;
  batch_id: string;
  org_id: string;
  site_id: string;
  device_id: string;
  owner_account_id: string;
  applicant_account_id: string;
  /** JSON array of permission names. */
  permissions: string;
  /** JSON validity request, e.g. {"kind":"permanent"} or {"kind":"duration","hours":2}. */
  validity: string;
  remark: string | null;
  /** pending | agreed | rejected | cancelled | superseded | expired (also computed from expires_at on read). */
  status: string;
  created_at: number;
  expires_at: number;
  responded_at: number | null;
  responded_by_account_id: string | null;
}

/** An owner's offer to hand a device to another account (owner starts, recipient accepts). */
export interface DeviceTransfersTable {
  id: string;
  device_id: string;
  from_account_id: string;
  to_account_id: string;
  status: 'pending' | 'accepted' | 'declined' | 'cancelled' | 'expired';
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}

/** Expiring/expired notices already sent: the key makes each go out once, across instances (see services/expiry-notices.ts). */
export interface ExpiryNoticesTable {
  kind: string;
  /** The authorization or share id. */
  object_id: string;
  /** The authorization's permission; '' for a share. */
  permission: string;
  valid_until: number;
  sent_at: number;
}

/** A device's MQTT device-link secret (hashed); username = device id. */
export interface DeviceLinkCredentialsTable {
  device_id: string;
  secret_hash: string;
  created_at: number;
}

/** The latest health report of a device (validated JSON). */
export interface DeviceHealthTable {
  device_id: string;
  reported_at: number;
  report: string;
}

export interface DeviceHealthHistoryTable {
  seq: Generated<number>;
  device_id: string;
  reported_at: number;
  report: string;
}

export interface DeviceExceptionsTable {
  id: string;
  device_id: string;
  /** 0 = the whole device. */
  channel: number;
  kind: string;
  detail: string;
  raised_at: number;
  cleared_at: number | null;
}

/** A share addressed to an email or phone no account has verified yet (see docs/sharing.md, "Waiting shares"). */
export interface PendingSharesTable {
  id: string;
  /** Rows made by one request (a bulk share) share it, so their delivery is one message. */
  batch_id: string;
  device_id: string;
  owner_account_id: string;
  channel: 'email' | 'phone';
  contact: string;
  scope: 'device' | 'channels';
  channels: string;
  permissions: string;
  valid_from: number | null;
  valid_until: number | null;
  schedule: string | null;
  time_zone: string;
  created_at: number;
  expires_at: number;
}

/** An ownership transfer addressed to an email or phone no account has verified yet. */
export interface PendingTransfersTable {
  id: string;
  device_id: string;
  from_account_id: string;
  channel: 'email' | 'phone';
  contact: string;
  created_at: number;
  expires_at: number;
}

export interface PasswordResetsTable {
  id: string;
  account_id: string;
  code_hash: string;
  attempts: number;
  expires_at: number;
  created_at: number;
}

/** TOTP (RFC 6238) of an account; enabled once a first code from the authenticator app was confirmed. */
export interface AccountTotpTable {
  account_id: string;
  /** Base32 shared secret (the server must compute codes from it, so it cannot be a hash). */
  secret: string;
  enabled_at: number | null;
  /** The last time step accepted: a code is never accepted twice. */
  last_step: number | null;
  created_at: number;
}

export interface RecoveryCodesTable {
  id: string;
  account_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

/** An organization's security policy (one row once an admin set one). */
export interface OrgPoliciesTable {
  org_id: string;
  /** 1: members must have two-factor login on before they act for the organization. */
  require_two_factor: number;
  updated_at: number;
}

export interface Database {
  accounts: AccountsTable;
  verification_codes: VerificationCodesTable;
  sessions: SessionsTable;
  throttles: ThrottlesTable;
  outbox: OutboxTable;
  push_subscriptions: PushSubscriptionsTable;
  push_vapid_keys: PushVapidKeysTable;
  devices: DevicesTable;
  device_channels: DeviceChannelsTable;
  device_transfers: DeviceTransfersTable;
  inbox_messages: InboxMessagesTable;
  audit_events: AuditEventsTable;
  shares: SharesTable;
  device_managers: DeviceManagersTable;
  installer_orgs: InstallerOrgsTable;
  org_members: OrgMembersTable;
  authorizations: AuthorizationsTable;
  authorization_permissions: AuthorizationPermissionsTable;
  org_invitations: OrgInvitationsTable;
  sites: SitesTable;
  handover_invitations: HandoverInvitationsTable;
  permission_applications: PermissionApplicationsTable;
  signing_keys: SigningKeysTable;
  device_publish_credentials: DevicePublishCredentialsTable;
  expiry_notices: ExpiryNoticesTable;
  media_sessions: MediaSessionsTable;
  share_recordings: ShareRecordingsTable;
  device_link_credentials: DeviceLinkCredentialsTable;
  device_health: DeviceHealthTable;
  device_health_history: DeviceHealthHistoryTable;
  device_exceptions: DeviceExceptionsTable;
  pending_shares: PendingSharesTable;
  pending_transfers: PendingTransfersTable;
  password_resets: PasswordResetsTable;
  account_totp: AccountTotpTable;
  recovery_codes: RecoveryCodesTable;
  org_policies: OrgPoliciesTable;
  device_visibility: DeviceVisibilityTable;
  access_denials: AccessDenialsTable;
  guest_links: GuestLinksTable;
  guest_sessions: GuestSessionsTable;
  ownership_claims: OwnershipClaimsTable;
  ownership_claim_files: OwnershipClaimFilesTable;
}

/** A media session MediaMTX reported at auth (its id and protocol), opened with one of our tickets. */
export interface MediaSessionsTable {
  id: string;
  protocol: string;
  path: string;
  device_id: string;
  channel: number;
  account_id: string;
  login_session_id: string | null;
  opened_at: number;
  /** When the grant stops allowing, as of the last check; null = open-ended. */
  until: number | null;
  ended_at: number | null;
  end_reason: string | null;
}

/** The owner's explicit choice of a share's recordings. */
export interface ShareRecordingsTable {
  share_id: string;
  recordings_from: number;
  recordings_until: number | null;
  updated_at: number;
}

/** The owner's visibility choices for a device (migration 016); no row = both off. */
export interface DeviceVisibilityTable {
  device_id: string;
  household_visible: number;
  notify_denied: number;
  denied_notified_at: number | null;
  updated_at: number;
}

/** Refused attempts of people with some access, one counter per device, person, reason and ten-minute window. */
export interface AccessDenialsTable {
  device_id: string;
  account_id: string;
  reason: string;
  window_start: number;
  via: string;
  count: number;
  first_at: number;
  last_at: number;
}

/** A guest link (migration 015): chosen channels of one device, watched without an account until `valid_until`. */
export interface GuestLinksTable {
  id: string;
  device_id: string;
  created_by_account_id: string;
  label: string;
  token_hash: string;
  /** JSON array of channel numbers. */
  channels: string;
  /** JSON array: live_view, optionally playback. */
  permissions: string;
  created_at: number;
  valid_from: number;
  valid_until: number;
  single_use: number;
  bound_hash: string | null;
  bound_at: number | null;
  pin_hash: string | null;
  /** 1 while the link may still allow something (not revoked, not retired after expiry). */
  active: number;
  revoked_at: number | null;
  revoked_by_account_id: string | null;
}

export interface GuestSessionsTable {
  id: string;
  link_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

/**
 * A claim by the person holding a device that is bound to someone else (migration 017). `owner_account_id` is the
 * owner when it was filed: only they may release or reject it, and it is never shown to the claimant.
 */
export interface OwnershipClaimsTable {
  id: string;
  device_id: string;
  claimant_account_id: string;
  owner_account_id: string | null;
  message: string;
  /** open → released → completed (the claimant bound it); open/rejected (or open past owner_deadline) → transferred | dismissed. */
  status: 'open' | 'released' | 'rejected' | 'completed' | 'transferred' | 'dismissed';
  created_at: number;
  /** Until then only the owner answers; afterwards an operator may review. */
  owner_deadline: number;
  owner_answered_at: number | null;
  /** After a release: until then only the claimant may bind the device. */
  reserved_until: number | null;
  decided_at: number | null;
  decided_by: string | null;
  operator_note: string | null;
}

/** The claim's evidence, kept in the database (never on disk under the web root), served only to operators. */
export interface OwnershipClaimFilesTable {
  id: string;
  claim_id: string;
  kind: 'label_photo' | 'proof_of_purchase';
  /** From the file's first bytes, never from what the client declared. */
  media_type: 'image/jpeg' | 'image/png' | 'application/pdf';
  name: string;
  size: number;
  sha256: string;
  content: Buffer;
  created_at: number;
}
