// The notifier: every event kind reaches exactly the channels its row in the table names, in words that read
// whole; and a share that ends early is told the same way whichever action ended it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase, type Harness } from '../helpers/harness.ts';
import { signUp, type Person } from '../helpers/people.ts';
import { inboxOf, mailTo, ownDevice } from '../helpers/sharing.ts';
import { transact } from '../../src/services/context.ts';
import { channelsOf, notify, type EventKind, type NotifyEvent } from '../../src/services/notifier.ts';
import { api, ok } from '../helpers/api.ts';

const UNTIL = Date.UTC(2026, 10, 24, 9, 0, 0);

/** One sample per kind: a kind added to the table without one here does not compile. */
function samples(ownerId: string, recipientId: string): { [K in EventKind]: Extract<NotifyEvent, { kind: K }> } {
  const data = { deviceId: 'dev_sample' };
  const ending = {
    ownerId,
    recipientId,
    ownerName: 'Olivia',
    recipientName: 'Bob',
    device: 'Shop NVR',
    permissions: ['live_view'],
    validUntil: UNTIL,
  };
  const authEnding = { ownerId, org: 'Acme', device: 'Shop NVR', permission: 'configuration', validUntil: UNTIL };
  return {
    share_received: {
      kind: 'share_received',
      facts: { owner: 'Olivia', devices: ['Shop NVR'], confirmation: 'Share "Shop NVR".' },
      data,
    },
    share_changed: {
      kind: 'share_changed',
      facts: { owner: 'Olivia', device: 'Shop NVR', confirmation: 'Share "Shop NVR".' },
      data,
    },
    share_revoked: { kind: 'share_revoked', facts: { owner: 'Olivia', devices: ['Shop NVR'] }, data },
    share_removed: { kind: 'share_removed', facts: { recipient: 'Bob', device: 'Shop NVR' }, data },
    share_expiring: { kind: 'share_expiring', facts: ending, data },
    share_expired: { kind: 'share_expired', facts: ending, data },
    authorization_expiring: { kind: 'authorization_expiring', facts: authEnding, data },
    authorization_expired: { kind: 'authorization_expired', facts: authEnding, data },
    authorization_changed: {
      kind: 'authorization_changed',
      facts: {
        why: 'The owner edited.',
        devices: [{ name: 'Shop NVR', permissions: [] }],
        noPermissionNote: 'Nothing left.',
      },
      data,
    },
    authorization_withdrawn: {
      kind: 'authorization_withdrawn',
      facts: { owner: 'Olivia', devices: ['Shop NVR'] },
      data,
    },
    authorization_released: {
      kind: 'authorization_released',
      facts: { device: 'Shop NVR', permission: 'playback' },
      data,
    },
    permission_application: {
      kind: 'permission_application',
      facts: { org: 'Acme', permissions: 'Playback', validity: 'permanent', devices: ['Shop NVR'], remark: null },
      data,
    },
    permission_application_cancelled: { kind: 'permission_application_cancelled', facts: {}, data },
    application_agreed: {
      kind: 'application_agreed',
      facts: { device: 'Shop NVR', permissions: 'Playback', validity: 'permanent' },
      data,
    },
    application_rejected: {
      kind: 'application_rejected',
      facts: { device: 'Shop NVR', permissions: 'Playback' },
      data,
    },
    handover_invitation: {
      kind: 'handover_invitation',
      facts: { org: 'Acme', site: 'Shop', devices: 2, summary: 'The installer asks to keep no permissions.' },
      data,
    },
    handover_cancelled: { kind: 'handover_cancelled', facts: { site: 'Shop' }, data },
    handover_accepted: {
      kind: 'handover_accepted',
      facts: { site: 'Shop', invitee: 'Olivia', kept: 'You keep nothing.' },
      data,
    },
    handover_declined: { kind: 'handover_declined', facts: { site: 'Shop' }, data },
    org_invitation: { kind: 'org_invitation', facts: { org: 'Acme', role: 'member' }, data },
    org_member_joined: { kind: 'org_member_joined', facts: { member: 'Bob', role: 'member' }, data },
    org_invitation_declined: { kind: 'org_invitation_declined', facts: { member: 'Bob' }, data },
    org_role_changed: { kind: 'org_role_changed', facts: { role: 'admin' }, data },
    org_member_removed: { kind: 'org_member_removed', facts: {}, data },
    device_transfer: { kind: 'device_transfer', facts: { from: 'Olivia', device: 'Shop NVR', model: 'NVR-8' }, data },
    transfer_cancelled: { kind: 'transfer_cancelled', facts: { device: 'Shop NVR' }, data },
    transfer_accepted: { kind: 'transfer_accepted', facts: { to: 'Bob', device: 'Shop NVR' }, data },
    transfer_declined: { kind: 'transfer_declined', facts: { to: 'Bob', device: 'Shop NVR' }, data },
    manager_added: { kind: 'manager_added', facts: { owner: 'Olivia', device: 'Shop NVR' }, data },
    manager_added_many: {
      kind: 'manager_added_many',
      facts: { owner: 'Olivia', devices: ['Shop NVR', 'Garden'] },
      data,
    },
    manager_removed: {
      kind: 'manager_removed',
      facts: { who: 'Olivia', device: 'Shop NVR', why: 'removed' },
      data,
    },
    managed_device_changed: {
      kind: 'managed_device_changed',
      facts: { manager: 'Bob', device: 'Shop NVR', what: 'shared it with Carol' },
      data,
    },
    device_exception: {
      kind: 'device_exception',
      facts: { device: 'Shop NVR', what: 'Disk error', detail: 'The disk in slot 1 reports an error.' },
      data,
    },
    // trust-identity
    share_delivered: {
      kind: 'share_delivered',
      facts: { address: 'bob@example.com', devices: ['Shop NVR'], to: 'Bob' },
      data,
    },
    share_not_delivered: { kind: 'share_not_delivered', facts: { address: 'bob@example.com' }, data },
    transfer_delivered: {
      kind: 'transfer_delivered',
      facts: { address: 'bob@example.com', device: 'Shop NVR', to: 'Bob' },
      data,
    },
    address_removed: {
      kind: 'address_removed',
      facts: { address: 'bob@example.com', what: 'Email address' },
      data,
    },
    access_denied: {
      kind: 'access_denied',
      facts: { device: 'Shop NVR', people: ['Bob'], attempts: 3, reasons: ['outside the allowed days and hours'] },
      data,
    },
    // ownership claims
    device_claimed: {
      kind: 'device_claimed',
      facts: { device: 'Shop NVR', serial: 'NVR-1', message: 'I bought it used.', until: '1 Dec 2026' },
      data,
    },
    claim_released: { kind: 'claim_released', facts: { model: 'NVR', serial: 'NVR-1', until: '1 Dec 2026' }, data },
    claim_under_review: { kind: 'claim_under_review', facts: { model: 'NVR', serial: 'NVR-1' }, data },
    claim_review: { kind: 'claim_review', facts: { model: 'NVR', serial: 'NVR-1' }, data },
    claim_transferred: { kind: 'claim_transferred', facts: { model: 'NVR', serial: 'NVR-1' }, data },
    claim_transferred_away: { kind: 'claim_transferred_away', facts: { device: 'Shop NVR', serial: 'NVR-1' }, data },
    claim_dismissed: { kind: 'claim_dismissed', facts: { model: 'NVR', serial: 'NVR-1', note: 'No receipt.' }, data },
    claim_closed: { kind: 'claim_closed', facts: { device: 'Shop NVR', serial: 'NVR-1' }, data },
  };
}

/** What the recipient was told since `mark` (messages and mails are only ever added; the outbox has no order). */
async function told(h: Harness, p: Person, since: Set<string>) {
  const inbox = (await inboxOf(h, p.id)).filter((m) => !since.has(m.id));
  const mail = (await mailTo(h, p.email)).filter((m) => !since.has(m.id));
  return { inbox, mail };
}

async function mark(h: Harness, p: Person): Promise<Set<string>> {
  return new Set([...(await inboxOf(h, p.id)), ...(await mailTo(h, p.email))].map((m) => m.id));
}

describeEachDatabase('notifications', (h) => {
  test('every event kind reaches exactly the channels of its row, in words without gaps', async (t) => {
    const owner = await signUp(h(), 'Olivia');
    const bob = await signUp(h(), 'Bob');
    for (const event of Object.values(samples(owner.id, bob.id))) {
      await t.test(event.kind, async () => {
        const since = await mark(h(), bob);
        await transact(h().runtime.ctx, (tx) => notify(tx, [bob.id, bob.id], event));
        const { inbox, mail } = await told(h(), bob, since);
        const channels = channelsOf(event.kind);
        assert.equal(inbox.length, channels.includes('inbox') ? 1 : 0, 'one inbox message, even if named twice');
        assert.equal(mail.length, channels.includes('email') ? 1 : 0, 'one email');
        for (const m of inbox) {
          assert.equal(m.kind, event.kind);
          assert.deepEqual(JSON.parse(m.data), event.data);
          assert.doesNotMatch(`${m.title} ${m.body}`, /undefined|null|NaN|\[object/);
        }
        if (mail[0]) {
          assert.equal(mail[0].subject, inbox[0]!.title);
          assert.ok(mail[0].body.startsWith(inbox[0]!.body));
          assert.ok(mail[0].body.includes(`/messages/${inbox[0]!.id}`), 'the email links to the inbox message');
        }
      });
    }
  });

  test('an account that no longer exists is skipped; the others are told', async () => {
    const bob = await signUp(h(), 'Bob');
    const since = await mark(h(), bob);
    await transact(h().runtime.ctx, (tx) =>
      notify(tx, ['acc_gone', bob.id], { kind: 'org_role_changed', facts: { role: 'admin' }, data: {} }),
    );
    assert.equal((await told(h(), bob, since)).inbox.length, 1);
  });

  // The inconsistency this table fixed: a share revoked one by one was emailed, one ended by revoke-everything,
  // unbind or transfer reached the inbox only.
  const endings: Array<[string, (owner: Person, bob: Person, deviceId: string, shareId: string) => Promise<number>]> = [
    [
      'the owner revokes the share',
      async (o, _b, _d, shareId) =>
        (await h().request({ method: 'DELETE', url: `/api/shares/${shareId}`, token: o.token })).statusCode,
    ],
    [
      'the owner revokes every share of the device',
      async (o, _b, deviceId) =>
        (await h().request({ method: 'DELETE', url: `/api/devices/${deviceId}/shares`, token: o.token })).statusCode,
    ],
    [
      'the owner revokes everything the recipient had',
      async (o, b) =>
        (
          await h().request({
            method: 'POST',
            url: `/api/access-review/accounts/${b.id}/revoke`,
            token: o.token,
          })
        ).statusCode,
    ],
    [
      'the owner unbinds the device',
      async (o, _b, deviceId) =>
        (await h().request({ method: 'DELETE', url: `/api/devices/${deviceId}`, token: o.token })).statusCode,
    ],
  ];
  for (const [how, end] of endings) {
    test(`a share that ends early reaches inbox and email alike: ${how}`, async () => {
      const owner = await signUp(h(), 'Olivia');
      const bob = await signUp(h(), 'Bob');
      const deviceId = await ownDevice(h(), owner.id, { name: 'Shop NVR' });
      const created = await ok(
        api(h(), owner.token).POST('/api/devices/{id}/shares', {
          params: { path: { id: deviceId } },
          body: { recipient: { email: bob.email }, scope: 'device', permissions: ['live_view'] },
        }),
        201,
      );
      assert.ok(created.id, 'a share with a known person has an id');
      const since = await mark(h(), bob);
      assert.ok([200, 204].includes(await end(owner, bob, deviceId, created.id)));
      const { inbox, mail } = await told(h(), bob, since);
      assert.deepEqual(
        inbox.map((m) => m.kind),
        ['share_revoked'],
      );
      assert.match(inbox[0]!.title, /"Shop NVR"/);
      assert.equal(mail.length, 1, 'emailed too');
      assert.equal(mail[0]!.subject, inbox[0]!.title);
      assert.ok(mail[0]!.body.includes(`/messages/${inbox[0]!.id}`));
    });
  }
});
