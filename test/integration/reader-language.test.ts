// The sentences the server writes for a person come out in that person's language: a problem's detail, a share's
// confirmation and validity, an application's validity. The language is the account's choice, else the request's
// Accept-Language (the web app sends its own); the code and the data stay the same in every language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, ok, problemOf, type RequestOf } from '../helpers/api.ts';
import { describeEachDatabase } from '../helpers/harness.ts';
import { addMember, handedOverSite, verifiedPerson, HOUR } from '../helpers/installer.ts';
import type { Person } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

const GERMAN = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' };

function shareBody(recipient: Person, validity: { until?: number } = {}): RequestOf<'createShare'> {
  return { recipient: { email: recipient.email }, scope: 'device', permissions: ['live_view', 'playback'], validity };
}

const onDevice = (id: string) => ({ params: { path: { id } } });

describeEachDatabase('the server writes in the reader’s language', (h) => {
  test('a share: its confirmation and validity in German, and the conflict of sharing it twice', async () => {
    const owner = await verifiedPerson(h(), 'Olivia Owner');
    const sam = await verifiedPerson(h(), 'Sam Recipient');
    const deviceId = await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    const until = Date.UTC(2031, 11, 3, 9, 30);

    const asOwner = api(h(), owner.token);
    const preview = (body: RequestOf<'previewShare'>, headers = {}) =>
      ok(asOwner.POST('/api/devices/{id}/shares/preview', { ...onDevice(deviceId), body, headers }), 200);
    const view = await preview(shareBody(sam, { until }), GERMAN);
    assert.equal(
      view.confirmation,
      '„Coastal NVR“ mit Sam Recipient teilen: das ganze Gerät (alle Kanäle, auch später hinzugefügte); ' +
        'Berechtigungen: Live-Ansicht, Wiedergabe; gültig: bis 03.12.2031, 09:30.',
    );
    assert.equal(view.validityText, 'bis 03.12.2031, 09:30');
    assert.deepEqual(
      view.permissions.map((p) => p.label),
      ['Live-Ansicht', 'Wiedergabe'],
    );
    // The same request in English: the data is the same, only the words differ.
    const english = await preview(shareBody(sam, { until }));
    assert.match(english.confirmation, /^Share "Coastal NVR" with Sam Recipient: the whole device/);
    assert.deepEqual(
      { ...english, confirmation: 0, validityText: 0, permissions: 0 },
      {
        ...view,
        confirmation: 0,
        validityText: 0,
        permissions: 0,
      },
    );

    const share = (headers = {}) =>
      asOwner.POST('/api/devices/{id}/shares', { ...onDevice(deviceId), body: shareBody(sam), headers });
    const created = await ok(share(GERMAN), 201);
    assert.match(created.confirmation, /^„Coastal NVR“ mit Sam Recipient teilen: .*gültig: dauerhaft\.$/);

    const again = await problemOf(share(GERMAN), 409);
    assert.deepEqual(
      { code: again.code, field: again.field, detail: again.detail },
      {
        code: 'share_exists',
        field: 'recipient',
        detail:
          '„Coastal NVR“ ist bereits mit Sam Recipient geteilt. Bearbeiten Sie stattdessen die bestehende Freigabe.',
      },
    );
    const againEnglish = await problemOf(share(), 409);
    assert.equal(againEnglish.code, 'share_exists');
    assert.equal(
      againEnglish.detail,
      '"Coastal NVR" is already shared with Sam Recipient. Edit the existing share instead.',
    );

    // The list of the device's shares reads German too.
    const list = await ok(asOwner.GET('/api/devices/{id}/shares', { ...onDevice(deviceId), headers: GERMAN }), 200);
    assert.equal(list[0]?.validityText, 'dauerhaft');
  });

  test('the account’s chosen language wins over Accept-Language; without either, English', async () => {
    const owner = await verifiedPerson(h(), 'Greta');
    const deviceId = await ownDevice(h(), owner.id);
    const asOwner = api(h(), owner.token);
    const self: RequestOf<'previewShare'> = {
      recipient: { email: owner.email },
      scope: 'device',
      permissions: ['live_view'],
    };
    const preview = (headers = {}) =>
      asOwner.POST('/api/devices/{id}/shares/preview', { ...onDevice(deviceId), body: self, headers });
    assert.equal((await problemOf(preview(), 400)).detail, 'You cannot share a device with yourself.');
    await ok(asOwner.PUT('/api/me/language', { body: { language: 'de' } }), 200);
    const after = await problemOf(preview({ 'accept-language': 'en' }), 400);
    assert.equal(after.code, 'share_to_self');
    assert.equal(after.detail, 'Sie können ein Gerät nicht mit sich selbst teilen.');
    // Before logging in there is no account: the header decides (a login with a wrong password).
    const login = await problemOf(
      api(h()).POST('/api/auth/login', {
        body: { login: owner.email, password: 'not the password at all' },
        headers: GERMAN,
      }),
      401,
    );
    assert.equal(login.code, 'bad_login');
    assert.equal(login.detail, 'Anmeldename oder Passwort ist falsch.');
    // Input the schema refuses is worded too.
    const bad = await problemOf(
      asOwner.POST('/api/devices/{id}/shares/preview', {
        ...onDevice(deviceId),
        body: { scope: 'device' } as never,
        headers: GERMAN,
      }),
      400,
    );
    assert.equal(bad.code, 'validation');
    assert.equal(bad.detail, 'Die Eingabe ist nicht gültig.');
  });

  test('an application’s validity in the reader’s language and time zone, not an ISO instant', async () => {
    const s = await handedOverSite(h(), { devices: 1 });
    const device = s.devices[0]!;
    const asOwner = api(h(), s.owner.token);
    await ok(
      asOwner.PUT('/api/devices/{id}/authorizations/{orgId}', {
        params: { path: { id: device.id, orgId: s.org.id } },
        body: { permissions: [] },
      }),
      200,
    );
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), s.installer, s.org.id, tech);
    const until = h().clock.now() + 30 * 24 * HOUR;
    await ok(
      api(h(), tech.token).POST('/api/sites/{siteId}/applications', {
        params: { path: { siteId: s.site.id } },
        body: { deviceIds: [device.id], permissions: ['live_view'], validity: 'until', until },
      }),
      201,
    );

    const read = async (headers: Record<string, string>) => ok(asOwner.GET('/api/applications', { headers }), 200);
    const expected = new Intl.DateTimeFormat('de-DE', {
      timeZone: 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(until);
    const [de] = await read(GERMAN);
    assert.ok(de);
    assert.equal(de.validityDescription, `bis ${expected}`);
    assert.deepEqual(de.permissions, [{ permission: 'live_view', label: 'Live-Ansicht' }]);
    assert.equal(de.until, until);
    const [en] = await read({});
    assert.ok(en);
    assert.match(en.validityDescription, /^until \d{1,2} \w{3} \d{4}, \d\d:\d\d$/);
    assert.doesNotMatch(en.validityDescription, /T\d\d:\d\d:\d\d/);

    const decided = await ok(
      asOwner.POST('/api/applications/{applicationId}/reject', {
        params: { path: { applicationId: de.id } },
        headers: GERMAN,
      }),
      200,
    );
    assert.equal(decided.message, 'Der Antrag wurde abgelehnt. Der Errichter wurde informiert.');
  });
});
