// Request and response shapes of the installer area: organizations, sites, handover, authorizations, applications.
import { Type } from '@sinclair/typebox';
import { PERMISSION_NAMES } from '../../domain/permissions.ts';
import { Millis, Strict, nullable } from './common.ts';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const PermissionName = Type.String({
  minLength: 1,
  maxLength: 40,
  description: `one of ${PERMISSION_NAMES.join(', ')}`,
});
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('technician')]);
const ValidityName = Type.String({
  maxLength: 16,
  description: 'permanent, 1h, 2h, 4h, 8h, or until (then give `until`)',
});

export const PermissionRequest = Strict({
  permission: PermissionName,
  validity: ValidityName,
  until: Type.Optional(nullable(Millis)),
});

const PermissionState = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('scheduled')]);

export const AuthorizedPermission = Type.Object({
  permission: Type.String(),
  label: Type.String(),
  validFrom: nullable(Millis),
  validUntil: nullable(Millis),
  validity: Type.String({ description: '"Permanent" or "until <ISO time>"' }),
  state: PermissionState,
});

const OrgRef = Type.Object({ id: Type.String(), name: Type.String() });

// ---- orgs ----
export const OrgParams = Strict({ orgId: Id });
export const OrgMemberParams = Strict({ orgId: Id, accountId: Id });
export const OrgInvitationParams = Strict({ orgId: Id, invitationId: Id });

export const Org = Type.Object({
  id: Type.String(),
  name: Type.String(),
  qrText: Type.String(),
  myRole: Role,
  createdAt: Millis,
});
export const OrgDetail = Type.Object({
  id: Type.String(),
  name: Type.String(),
  qrText: Type.String(),
  myRole: Role,
  createdAt: Millis,
  requireTwoFactor: Type.Boolean({ description: 'members must have two-factor login on to act for it' }),
  members: Type.Array(
    Type.Object({
      accountId: Type.String(),
      displayName: Type.String(),
      email: nullable(Type.String()),
      role: Role,
      joinedAt: Millis,
      twoFactor: Type.Boolean({ description: 'has two-factor login on' }),
    }),
  ),
});
export const OrgName = Strict({ name: Type.String({ minLength: 1, maxLength: 120 }) });
export const OrgPublic = OrgRef;
export const OrgResolve = Strict({
  reference: Type.String({
    minLength: 1,
    maxLength: 300,
    description: 'organization id (org_…) or QR text (keyholder:org:…)',
  }),
});

export const MemberInvitation = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  orgName: Type.Optional(Type.String()),
  email: Type.String(),
  role: Role,
  status: Type.String(),
  createdAt: Millis,
  expiresAt: Millis,
});
export const InviteMemberBody = Strict({ email: Type.String({ minLength: 1, maxLength: 254 }), role: Role });
export const RoleBody = Strict({ role: Role });

// ---- sites ----
export const SiteParams = Strict({ siteId: Id });
export const SiteDeviceParams = Strict({ siteId: Id, deviceId: Id });
export const CreateSiteBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  address: Type.Optional(Type.String({ maxLength: 300 })),
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
});
export const UpdateSiteBody = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  address: Type.Optional(Type.String({ maxLength: 300 })),
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export const AddDeviceBody = Strict({
  serial: Type.String({ minLength: 1, maxLength: 64 }),
  verificationCode: Type.String({ minLength: 1, maxLength: 64 }),
});

export const SiteStatus = Type.Union([
  Type.Literal('not_invited'),
  Type.Literal('invited'),
  Type.Literal('handed_over'),
  Type.Literal('declined'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);
export const SiteDevice = Type.Object({
  id: Type.String(),
  serial: Type.String(),
  name: Type.String(),
  model: Type.String(),
  kind: Type.String(),
  online: Type.Boolean(),
  status: Type.Union([Type.Literal('held'), Type.Literal('handed_over')]),
  permissions: Type.Array(
    Type.Object({ permission: Type.String(), label: Type.String(), validUntil: nullable(Millis) }),
  ),
  noPermission: Type.Boolean(),
  notice: nullable(Type.String({ description: 'why the organization can do nothing on it, when it cannot' })),
});
export const Site = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  name: Type.String(),
  address: Type.String(),
  timeZone: Type.String(),
  status: SiteStatus,
  invitationId: nullable(Type.String()),
  devices: Type.Array(SiteDevice),
  createdAt: Millis,
  updatedAt: Millis,
});

// ---- handover ----
export const InvitationParams = Strict({ invitationId: Id });
export const InviteOwnerBody = Strict({
  email: Type.Optional(Type.String({ maxLength: 254 })),
  phone: Type.Optional(Type.String({ maxLength: 32 })),
  devices: Type.Array(Strict({ deviceId: Id, permissions: Type.Array(PermissionRequest, { maxItems: 20 }) }), {
    maxItems: 500,
  }),
});
export const AcceptBody = Strict({
  devices: Type.Optional(
    Type.Array(Strict({ deviceId: Id, permissions: Type.Array(PermissionName, { maxItems: 20 }) }), {
      maxItems: 500,
      description:
        'what you agree the installer keeps per device (untick by leaving out); omit to agree to everything asked',
    }),
  ),
});
const RequestedPermission = Type.Object({
  permission: Type.String(),
  label: Type.String(),
  validity: Type.String(),
  until: nullable(Millis),
  description: Type.String(),
});
const InvitationDevice = Type.Object({
  deviceId: Type.String(),
  name: Type.String(),
  serial: Type.String(),
  model: Type.String(),
  permissions: Type.Array(RequestedPermission),
});
export const Invitation = Type.Object({
  id: Type.String(),
  siteId: Type.String(),
  siteName: Type.String(),
  siteAddress: Type.String(),
  org: OrgRef,
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  contact: Type.String(),
  status: Type.String({ description: 'pending, accepted, declined, cancelled or expired' }),
  delivered: Type.Boolean(),
  devices: Type.Array(InvitationDevice),
  agreed: nullable(Type.Array(InvitationDevice)),
  createdAt: Millis,
  sentAt: Millis,
  expiresAt: Millis,
  respondedAt: nullable(Millis),
});

// ---- authorizations ----
// Device routes name the device `id`, like the devices area's own routes under /api/devices/:id.
export const DeviceParams = Strict({ id: Id });
export const DeviceOrgParams = Strict({ id: Id, orgId: Id });
export const DeviceOrgPermissionParams = Strict({
  id: Id,
  orgId: Id,
  permission: Type.String({ minLength: 1, maxLength: 40 }),
});
export const OrgDevicePermissionParams = Strict({
  orgId: Id,
  deviceId: Id,
  permission: Type.String({ minLength: 1, maxLength: 40 }),
});
export const SetPermissionsBody = Strict({ permissions: Type.Array(PermissionRequest, { maxItems: 20 }) });
export const EntrustBody = Strict({
  org: Type.String({
    minLength: 1,
    maxLength: 300,
    description: 'organization id (org_…) or QR text (keyholder:org:…)',
  }),
  deviceIds: Type.Array(Id, { maxItems: 1000 }),
  permissions: Type.Array(PermissionRequest, { maxItems: 20 }),
});
export const Authorization = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  deviceName: Type.Optional(Type.String()),
  deviceSerial: Type.Optional(Type.String()),
  org: OrgRef,
  status: Type.Union([Type.Literal('authorized'), Type.Literal('none')]),
  statusLabel: Type.String(),
  permissions: Type.Array(AuthorizedPermission),
  createdAt: Millis,
  updatedAt: Millis,
});
export const DeviceAuthorizations = Type.Object({
  deviceId: Type.String(),
  deviceName: Type.String(),
  status: Type.Union([Type.Literal('authorized'), Type.Literal('none')]),
  statusLabel: Type.String(),
  authorizations: Type.Array(Authorization),
});
export const AuthorizationChange = Type.Object({ authorization: nullable(Authorization), warning: Type.String() });

// ---- applications ----
export const ApplicationParams = Strict({ applicationId: Id });
export const ApplyBody = Strict({
  deviceIds: Type.Array(Id, { maxItems: 500 }),
  permissions: Type.Array(PermissionName, { maxItems: 20 }),
  validity: ValidityName,
  until: Type.Optional(nullable(Millis)),
  remark: Type.Optional(Type.String({ maxLength: 2000 })),
});
export const DecideBody = Strict({
  applicationIds: Type.Array(Id, { maxItems: 500 }),
  decision: Type.Union([Type.Literal('agree'), Type.Literal('reject')]),
});
export const Application = Type.Object({
  id: Type.String(),
  batchId: Type.String(),
  org: OrgRef,
  siteId: Type.String(),
  device: Type.Object({ id: Type.String(), name: Type.String(), serial: Type.String() }),
  permissions: Type.Array(Type.Object({ permission: Type.String(), label: Type.String() })),
  validity: Type.String(),
  until: nullable(Millis),
  validityDescription: Type.String(),
  remark: nullable(Type.String()),
  status: Type.String({ description: 'pending, agreed, rejected, cancelled, superseded or expired' }),
  createdAt: Millis,
  expiresAt: Millis,
  respondedAt: nullable(Millis),
});
export const DecisionResult = Type.Object({ applications: Type.Array(Application), message: Type.String() });
export const ApplicationsQuery = Strict({ all: Type.Optional(Type.Boolean({ description: 'include answered ones' })) });
