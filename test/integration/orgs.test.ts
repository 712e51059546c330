import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';
import { addMember, createOrg, inbox, verifiedPerson, verifyEmail } from '../helpers/installer.ts';
import { api, ok } from '../helpers/api.ts';

describeEachDatabase('installer organizations', (h) => {
  test('a person creates an organization, becomes its admin, and it has a QR ID an owner can resolve', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin, 'Coastal Security');
    assert.match(org.id, /^org_/);
    assert.match(org.qrText, /^keyholder:org:/);
    const mine = await ok(api(h(), admin.token).GET('/api/orgs'), 200);
    assert.deepEqual(
      mine.map((o) => [o.id, o.myRole]),
      [[org.id, 'admin']],
    );

    const png = await h().request({ method: 'GET', url: `/api/orgs/${org.id}/qr.png`, token: admin.token });
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    const svg = await h().request({ method: 'GET', url: `/api/orgs/${org.id}/qr.svg`, token: admin.token });
    assert.match(svg.body, /<svg/);

    const owner = await signUp(h(), 'Owner');
    for (const reference of [org.id, org.qrText]) {
      const res = await ok(api(h(), owner.token).POST('/api/orgs/resolve', { body: { reference } }), 200);
      assert.deepEqual(res, { id: org.id, name: 'Coastal Security' });
    }
    // A saved picture of the QR ID picks it too.
    // The picture goes as its bytes (the OpenAPI document types an image body as a binary string).
    const fromImage = await ok(
      api(h(), owner.token).POST('/api/orgs/resolve-image', {
        body: png.rawPayload as unknown as string,
        bodySerializer: () => new Uint8Array(png.rawPayload),
        headers: { 'content-type': 'image/png' },
      }),
      200,
    );
    assert.deepEqual(fromImage, { id: org.id, name: 'Coastal Security' });
    assertProblem(
      await h().request({
        method: 'POST',
        url: '/api/orgs/resolve',
        token: owner.token,
        body: { reference: 'keyholder:org:AAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      }),
      404,
    );
    const bad = assertProblem(
      await h().request({ method: 'POST', url: '/api/orgs/resolve', token: owner.token, body: { reference: 'hello' } }),
      400,
    );
    assert.equal(bad.field, 'reference');
  });

  test('admins invite by email; the verified invitee joins with the role; roles change; the last admin stays', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const tech = await verifiedPerson(h(), 'Tech');
    const org = await createOrg(h(), admin);

    const inv = await ok(
      api(h(), admin.token).POST('/api/orgs/{orgId}/invitations', {
        params: { path: { orgId: org.id } },
        body: { email: tech.email.toUpperCase(), role: 'technician' },
      }),
      201,
    );
    assert.ok((await inbox(h(), tech)).some((m) => m.kind === 'org_invitation'));
    const pending = await ok(api(h(), tech.token).GET('/api/me/org-invitations'));
    assert.deepEqual(
      pending.map((i) => i.id),
      [inv.id],
    );

    // Someone else cannot accept it.
    const stranger = await verifiedPerson(h(), 'Stranger');
    assertProblem(
      await h().request({ method: 'POST', url: `/api/org-invitations/${inv.id}/accept`, token: stranger.token }),
      404,
    );

    const acc = await ok(
      api(h(), tech.token).POST('/api/org-invitations/{invitationId}/accept', {
        params: { path: { invitationId: inv.id } },
      }),
      200,
    );
    assert.deepEqual(acc, { orgId: org.id, role: 'technician' });
    assertProblem(
      await h().request({ method: 'POST', url: `/api/org-invitations/${inv.id}/accept`, token: tech.token }),
      409,
    );

    const detail = await ok(
      api(h(), tech.token).GET('/api/orgs/{orgId}', { params: { path: { orgId: org.id } } }),
      200,
    );
    assert.deepEqual(
      detail.members.map((m) => [m.accountId, m.role]).sort(),
      [
        [admin.id, 'admin'],
        [tech.id, 'technician'],
      ].sort(),
    );
    assert.ok((await inbox(h(), admin)).some((m) => m.kind === 'org_member_joined'));

    // A technician cannot do admin work.
    assertProblem(
      await h().request({ method: 'PATCH', url: `/api/orgs/${org.id}`, token: tech.token, body: { name: 'Mine now' } }),
      403,
    );
    assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        token: tech.token,
        body: { email: 'x@example.com', role: 'admin' },
      }),
      403,
    );
    assertProblem(
      await h().request({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/members/${tech.id}`,
        token: tech.token,
        body: { role: 'admin' },
      }),
      403,
    );
    assertProblem(
      await h().request({ method: 'DELETE', url: `/api/orgs/${org.id}/members/${admin.id}`, token: tech.token }),
      403,
    );

    // The last admin can be neither demoted nor removed.
    const demote = assertProblem(
      await h().request({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/members/${admin.id}`,
        token: admin.token,
        body: { role: 'technician' },
      }),
      409,
    );
    assert.equal(demote.code, 'last_admin');
    assertProblem(
      await h().request({ method: 'DELETE', url: `/api/orgs/${org.id}/members/${admin.id}`, token: admin.token }),
      409,
    );

    // Promote the technician; then the first admin may step down.
    assert.equal(
      (
        await h().request({
          method: 'PATCH',
          url: `/api/orgs/${org.id}/members/${tech.id}`,
          token: admin.token,
          body: { role: 'admin' },
        })
      ).statusCode,
      200,
    );
    assert.equal(
      (
        await h().request({
          method: 'PATCH',
          url: `/api/orgs/${org.id}/members/${admin.id}`,
          token: tech.token,
          body: { role: 'technician' },
        })
      ).statusCode,
      200,
    );
    assert.equal(
      (await h().request({ method: 'DELETE', url: `/api/orgs/${org.id}/members/${admin.id}`, token: tech.token }))
        .statusCode,
      200,
    );
    assertProblem(await h().request({ method: 'GET', url: `/api/orgs/${org.id}`, token: admin.token }), 404);
  });

  test('two admins demoting each other at once leave the organization with an admin', async () => {
    const a = await verifiedPerson(h(), 'AdminA');
    const b = await verifiedPerson(h(), 'AdminB');
    const org = await createOrg(h(), a);
    await addMember(h(), a, org.id, b, 'admin');
    const [x, y] = await Promise.all([
      h().request({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/members/${b.id}`,
        token: a.token,
        body: { role: 'technician' },
      }),
      h().request({
        method: 'PATCH',
        url: `/api/orgs/${org.id}/members/${a.id}`,
        token: b.token,
        body: { role: 'technician' },
      }),
    ]);
    assert.ok([x.statusCode, y.statusCode].includes(200));
    const { members } = await ok(api(h(), a.token).GET('/api/orgs/{orgId}', { params: { path: { orgId: org.id } } }));
    assert.equal(members.filter((m) => m.role === 'admin').length, 1);
  });

  test('an invitation to an unverified address waits for its verification; expired ones cannot be accepted', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin);
    const newcomer = await signUp(h(), 'Newcomer', { verified: false });
    const inviteTo = (email: string, role: 'admin' | 'technician') =>
      ok(
        api(h(), admin.token).POST('/api/orgs/{orgId}/invitations', {
          params: { path: { orgId: org.id } },
          body: { email, role },
        }),
      );
    const inv = await inviteTo(newcomer.email, 'admin');
    assert.deepEqual(await ok(api(h(), newcomer.token).GET('/api/me/org-invitations')), []);
    assertProblem(
      await h().request({ method: 'POST', url: `/api/org-invitations/${inv.id}/accept`, token: newcomer.token }),
      404,
    );
    assert.ok(!(await inbox(h(), newcomer)).some((m) => m.kind === 'org_invitation'));
    await verifyEmail(h(), newcomer);
    assert.ok((await inbox(h(), newcomer)).some((m) => m.kind === 'org_invitation'));
    assert.equal(
      (
        await h().request({
          method: 'POST',
          url: `/api/org-invitations/${inv.id}/accept`,
          token: newcomer.token,
        })
      ).statusCode,
      200,
    );

    const late = await verifiedPerson(h(), 'Late');
    const inv2 = await inviteTo(late.email, 'technician');
    h().clock.advance(h().config.invitationTtlMs + 1);
    const expired = assertProblem(
      await h().request({ method: 'POST', url: `/api/org-invitations/${inv2.id}/accept`, token: late.token }),
      410,
    );
    assert.equal(expired.code, 'invitation_expired');
    const list = await ok(
      api(h(), admin.token).GET('/api/orgs/{orgId}/invitations', { params: { path: { orgId: org.id } } }),
    );
    assert.equal(list.find((i) => i.id === inv2.id)?.status, 'expired');
  });

  test('outsiders get 404 for every organization route; bad input names the field and writes nothing', async () => {
    const admin = await verifiedPerson(h(), 'Admin');
    const org = await createOrg(h(), admin);
    const other = await verifiedPerson(h(), 'OtherAdmin');
    await createOrg(h(), other, 'Other Org');
    const routes: Array<{ method: 'GET' | 'PATCH' | 'POST' | 'DELETE'; url: string; body?: unknown }> = [
      { method: 'GET', url: `/api/orgs/${org.id}` },
      { method: 'PATCH', url: `/api/orgs/${org.id}`, body: { name: 'x' } },
      { method: 'GET', url: `/api/orgs/${org.id}/qr.png` },
      { method: 'GET', url: `/api/orgs/${org.id}/invitations` },
      { method: 'POST', url: `/api/orgs/${org.id}/invitations`, body: { email: 'a@example.com', role: 'technician' } },
      { method: 'PATCH', url: `/api/orgs/${org.id}/members/${admin.id}`, body: { role: 'technician' } },
      { method: 'DELETE', url: `/api/orgs/${org.id}/members/${admin.id}` },
      { method: 'GET', url: `/api/orgs/${org.id}/sites` },
    ];
    const loner = await signUp(h(), 'NoOrg');
    for (const who of [other, loner]) {
      for (const r of routes) assertProblem(await h().request({ ...r, token: who.token }), 404);
    }

    const badEmail = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        token: admin.token,
        body: { email: 'not-an-email', role: 'technician' },
      }),
      400,
    );
    assert.equal(badEmail.field, 'email');
    const badRole = assertProblem(
      await h().request({
        method: 'POST',
        url: `/api/orgs/${org.id}/invitations`,
        token: admin.token,
        body: { email: 'a@example.com', role: 'owner' },
      }),
      400,
    );
    assert.match(badRole.field ?? '', /role/);
    const blank = assertProblem(
      await h().request({ method: 'POST', url: '/api/orgs', token: admin.token, body: { name: '   ' } }),
      400,
    );
    assert.equal(blank.field, 'name');
    const list = await ok(
      api(h(), admin.token).GET('/api/orgs/{orgId}/invitations', { params: { path: { orgId: org.id } } }),
    );
    assert.deepEqual(list, []);
  });
});
