import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.ts';
import {
  isStillGrantable,
  parsePermissionNames,
  parsePermissionRequests,
  parseValidity,
  permissionState,
  resolveValidity,
  specView,
} from '../../src/domain/authorization-validity.ts';
import {
  agreedSubset,
  checkCanCancel,
  checkCanRespond,
  invitationStatus,
  siteStatus,
} from '../../src/domain/handover.ts';
import { applicationStatus, checkDistinctIds, checkPending, checkRemark } from '../../src/domain/applications.ts';
import { checkKeepsAnAdmin, parseOrgPick } from '../../src/domain/installer.ts';

const NOW = Date.UTC(2026, 10, 23, 9, 0, 0);
const HOUR = 3_600_000;

function problem(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return err;
  }
  assert.fail('expected an AppError');
}

test('validity presets resolve from the moment of granting', () => {
  for (const [name, hours] of [
    ['1h', 1],
    ['2h', 2],
    ['4h', 4],
    ['8h', 8],
  ] as const) {
    const spec = parseValidity({ validity: name }, NOW, 'v');
    assert.deepEqual(resolveValidity(spec, NOW + 10), { validFrom: NOW + 10, validUntil: NOW + 10 + hours * HOUR });
    assert.deepEqual(specView(spec), { validity: name, until: null });
  }
  assert.deepEqual(resolveValidity(parseValidity({ validity: 'permanent' }, NOW, 'v'), NOW), {
    validFrom: NOW,
    validUntil: null,
  });
  const until = parseValidity({ validity: 'until', until: NOW + 5 }, NOW, 'v');
  assert.deepEqual(resolveValidity(until, NOW), { validFrom: NOW, validUntil: NOW + 5 });
  assert.equal(isStillGrantable(until, NOW + 4), true);
  assert.equal(isStillGrantable(until, NOW + 5), false);
});

test('bad validities name the field: unknown preset, missing or past end time', () => {
  assert.equal(problem(() => parseValidity({ validity: '3h' }, NOW, 'permissions/0')).field, 'permissions/0/validity');
  assert.equal(problem(() => parseValidity({ validity: 'until' }, NOW, 'permissions/0')).field, 'permissions/0/until');
  const past = problem(() => parseValidity({ validity: 'until', until: NOW }, NOW, ''));
  assert.equal(past.field, 'until');
  assert.equal(past.code, 'validity_in_past');
});

test('a permission is active from its start until (excluding) its end', () => {
  assert.equal(permissionState(NOW, null, NOW), 'active');
  assert.equal(permissionState(NOW, NOW + 1, NOW + 1), 'expired');
  assert.equal(permissionState(NOW + 1, null, NOW), 'scheduled');
});

test('permission lists: known names, each once', () => {
  assert.equal(
    problem(() => parsePermissionRequests([{ permission: 'fly', validity: 'permanent' }], NOW, 'p')).field,
    'p/0/permission',
  );
  const dup = problem(() =>
    parsePermissionRequests(
      [
        { permission: 'ptz', validity: 'permanent' },
        { permission: 'ptz', validity: '1h' },
      ],
      NOW,
      'p',
    ),
  );
  assert.equal(dup.field, 'p/1/permission');
  assert.equal(problem(() => parsePermissionNames([], 'permissions', { allowEmpty: false })).field, 'permissions');
  assert.deepEqual(parsePermissionNames([], 'permissions', { allowEmpty: true }), []);
});

test('invitation status: pending turns expired by the clock; the site shows its latest invitation', () => {
  assert.equal(invitationStatus('pending', NOW + 1, NOW), 'pending');
  assert.equal(invitationStatus('pending', NOW, NOW), 'expired');
  assert.equal(invitationStatus('accepted', NOW, NOW + HOUR), 'accepted');
  assert.equal(siteStatus(undefined, NOW), 'not_invited');
  assert.equal(siteStatus({ status: 'pending', expires_at: NOW + 1 }, NOW), 'invited');
  assert.equal(siteStatus({ status: 'accepted', expires_at: NOW }, NOW), 'handed_over');
  assert.equal(siteStatus({ status: 'pending', expires_at: NOW }, NOW), 'expired');
  assert.equal(siteStatus({ status: 'declined', expires_at: NOW + 1 }, NOW), 'declined');
  assert.equal(problem(() => checkCanRespond('expired')).status, 410);
  assert.equal(problem(() => checkCanRespond('accepted')).status, 409);
  assert.equal(problem(() => checkCanCancel('declined')).status, 409);
  checkCanCancel('expired');
});

test('the invitee can untick, never add', () => {
  const requested = [
    {
      deviceId: 'd1',
      permissions: [
        { permission: 'live_view' as const, spec: { kind: 'permanent' as const } },
        { permission: 'playback' as const, spec: { kind: 'duration' as const, hours: 2 as const } },
      ],
    },
    { deviceId: 'd2', permissions: [{ permission: 'configuration' as const, spec: { kind: 'permanent' as const } }] },
  ];
  assert.deepEqual(agreedSubset(requested, undefined), requested);
  const agreed = agreedSubset(requested, [{ deviceId: 'd1', permissions: ['playback'] }]);
  assert.deepEqual(agreed, [
    { deviceId: 'd1', permissions: [requested[0]!.permissions[1]] },
    { deviceId: 'd2', permissions: [] },
  ]);
  assert.equal(
    problem(() => agreedSubset(requested, [{ deviceId: 'd2', permissions: ['live_view'] }])).field,
    'devices/0/permissions/0',
  );
  assert.equal(
    problem(() => agreedSubset(requested, [{ deviceId: 'dX', permissions: [] }])).field,
    'devices/0/deviceId',
  );
  assert.equal(
    problem(() =>
      agreedSubset(requested, [
        { deviceId: 'd1', permissions: [] },
        { deviceId: 'd1', permissions: [] },
      ]),
    ).field,
    'devices/1/deviceId',
  );
});

test('applications: expiry by the clock, only pending ones can be answered, remarks and ids checked', () => {
  assert.equal(applicationStatus('pending', NOW, NOW), 'expired');
  assert.equal(applicationStatus('superseded', NOW, NOW + HOUR), 'superseded');
  assert.equal(problem(() => checkPending('expired')).status, 410);
  assert.equal(problem(() => checkPending('rejected')).code, 'application_rejected');
  assert.equal(checkRemark('  '), null);
  assert.equal(checkRemark(' ok '), 'ok');
  assert.equal(problem(() => checkRemark('x'.repeat(501))).field, 'remark');
  assert.equal(problem(() => checkDistinctIds(['a', 'b', 'a'], 'deviceIds', 'device')).field, 'deviceIds/2');
  assert.equal(problem(() => checkDistinctIds([], 'deviceIds', 'device')).field, 'deviceIds');
});

test('an organization always keeps an admin; it is picked by id or QR text', () => {
  assert.equal(problem(() => checkKeepsAnAdmin(1, 'admin', 'technician')).code, 'last_admin');
  assert.equal(problem(() => checkKeepsAnAdmin(1, 'admin', null)).code, 'last_admin');
  checkKeepsAnAdmin(2, 'admin', null);
  checkKeepsAnAdmin(1, 'technician', null);
  checkKeepsAnAdmin(1, 'admin', 'admin');
  assert.deepEqual(parseOrgPick(' org_abcdefghijklmnop ', 'org'), { kind: 'id', id: 'org_abcdefghijklmnop' });
  assert.deepEqual(parseOrgPick('keyholder:org:abcdefghijklmnopqrstuv', 'org'), {
    kind: 'qr',
    ref: 'abcdefghijklmnopqrstuv',
  });
  assert.equal(problem(() => parseOrgPick('keyholder:account:abcdefghijklmnopqrstuv', 'org')).field, 'org');
  assert.equal(problem(() => parseOrgPick('keyholder:org:bad ref!', 'org')).code, 'bad_qr');
});
