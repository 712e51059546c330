// The sentences the server writes for a person come out in that person's language: a problem's detail, a share's
// confirmation and validity, an application's validity. The language is the account's choice, else the request's
// Accept-Language (the web app sends its own); the code and the data stay the same in every language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.ts';
import { addMember, handedOverSite, verifiedPerson, HOUR } from '../helpers/installer.ts';
import type { Person } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

const GERMAN = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' };

function shareBody(recipient: Person, validity: object = {}) {
  return { recipient: { email: recipient.email }, scope: 'device', permissions: ['live_view', 'playback'], validity };
}

function post(h: Harness, who: Person, url: string, body: unknown, headers: Record<string, string> = {}) {
  return h.request({ method: 'POST', url, token: who.token, body, headers });
}

describeEachDatabase('the server writes in the reader’s language', (h) => {
  test('a share: its confirmation and validity in German, and the conflict of sharing it twice', async () => {
    const owner = await verifiedPerson(h(), 'Olivia Owner');
    const sam = await verifiedPerson(h(), 'Sam Recipient');
    const deviceId = await ownDevice(h(), owner.id, { name: 'Coastal NVR' });
    const until = Date.UTC(2031, 11, 3, 9, 30);

    const preview = await post(
      h(),
      owner,
      `/api/devices/${deviceId}/shares/preview`,
      shareBody(sam, { until }),
      GERMAN,
    );
    assert.equal(preview.statusCode, 200, preview.body);
    const view = json(preview);
    assert.equal(
      view.confirmation,
      '„Coastal NVR“ mit Sam Recipient teilen: das ganze Gerät (alle Kanäle, auch später hinzugefügte); ' +
        'Berechtigungen: Live-Ansicht, Wiedergabe; gültig: bis 03.12.2031, 09:30.',
    );
    assert.equal(view.validityText, 'bis 03.12.2031, 09:30');
    assert.deepEqual(
      view.permissions.map((p: { label: string }) => p.label),
      ['Live-Ansicht', 'Wiedergabe'],
    );
    // The same request in English: the data is the same, only the words differ.
    const english = json(await post(h(), owner, `/api/devices/${deviceId}/shares/preview`, shareBody(sam, { until })));
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

    const created = await post(h(), owner, `/api/devices/${deviceId}/shares`, shareBody(sam), GERMAN);
    assert.equal(created.statusCode, 201, created.body);
    assert.match(json(created).confirmation, /^„Coastal NVR“ mit Sam Recipient teilen: .*gültig: dauerhaft\.$/);

    const again = await post(h(), owner, `/api/devices/${deviceId}/shares`, shareBody(sam), GERMAN);
    assert.equal(again.statusCode, 409);
    assert.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(
      { code: json(again).code, field: json(again).field, detail: json(again).detail },
      {
        code: 'share_exists',
        field: 'recipient',
        detail:
          '„Coastal NVR“ ist bereits mit Sam Recipient geteilt. Bearbeiten Sie stattdessen die bestehende Freigabe.',
      },
    );
    const againEnglish = json(await post(h(), owner, `/api/devices/${deviceId}/shares`, shareBody(sam)));
    assert.equal(againEnglish.code, 'share_exists');
    assert.equal(
      againEnglish.detail,
      '"Coastal NVR" is already shared with Sam Recipient. Edit the existing share instead.',
    );

    // The list of the device's shares reads German too.
    const list = await h().request({
      method: 'GET',
      url: `/api/devices/${deviceId}/shares`,
      token: owner.token,
      headers: GERMAN,
    });
    assert.equal(json(list)[0].validityText, 'dauerhaft');
  });

  test('the account’s chosen language wins over Accept-Language; without either, English', async () => {
    const owner = await verifiedPerson(h(), 'Greta');
    const deviceId = await ownDevice(h(), owner.id);
    const self = { recipient: { email: owner.email }, scope: 'device', permissions: ['live_view'] };
    const before = await post(h(), owner, `/api/devices/${deviceId}/shares/preview`, self);
    assert.equal(json(before).detail, 'You cannot share a device with yourself.');
    const chose = await h().request({
      method: 'PUT',
      url: '/api/me/language',
      token: owner.token,
      body: { language: 'de' },
    });
    assert.equal(chose.statusCode, 200, chose.body);
    const after = await post(h(), owner, `/api/devices/${deviceId}/shares/preview`, self, { 'accept-language': 'en' });
    assert.equal(json(after).code, 'share_to_self');
    assert.equal(json(after).detail, 'Sie können ein Gerät nicht mit sich selbst teilen.');
    // Before logging in there is no account: the header decides (a login with a wrong password).
    const login = await h().request({
      method: 'POST',
      url: '/api/auth/login',
      body: { login: owner.email, password: 'not the password at all' },
      headers: GERMAN,
    });
    assert.equal(json(login).code, 'bad_login');
    assert.equal(json(login).detail, 'Anmeldename oder Passwort ist falsch.');
    // Input the schema refuses is worded too.
    const bad = await post(h(), owner, `/api/devices/${deviceId}/shares/preview`, { scope: 'device' }, GERMAN);
    assert.equal(json(bad).code, 'validation');
    assert.equal(json(bad).detail, 'Die Eingabe ist nicht gültig.');
  });

  test('an application’s validity in the reader’s language and time zone, not an ISO instant', async () => {
    const s = await handedOverSite(h(), { devices: 1 });
    const device = s.devices[0]!;
    const put = await h().request({
      method: 'PUT',
      url: `/api/devices/${device.id}/authorizations/${s.org.id}`,
      token: s.owner.token,
      body: { permissions: [] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const tech = await verifiedPerson(h(), 'Tech');
    await addMember(h(), s.installer, s.org.id, tech);
    const until = h().clock.now() + 30 * 24 * HOUR;
    const applied = await post(h(), tech, `/api/sites/${s.site.id}/applications`, {
      deviceIds: [device.id],
      permissions: ['live_view'],
      validity: 'until',
      until,
    });
    assert.equal(applied.statusCode, 201, applied.body);

    const read = (headers: Record<string, string>) =>
      h().request({ method: 'GET', url: '/api/applications', token: s.owner.token, headers }).then(json);
    const expected = new Intl.DateTimeFormat('de-DE', {
      timeZone: 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(until);
    const [de] = await read(GERMAN);
    assert.equal(de.validityDescription, `bis ${expected}`);
    assert.deepEqual(de.permissions, [{ permission: 'live_view', label: 'Live-Ansicht' }]);
    assert.equal(de.until, until);
    const [en] = await read({});
    assert.match(en.validityDescription, /^until \d{1,2} \w{3} \d{4}, \d\d:\d\d$/);
    assert.doesNotMatch(en.validityDescription, /T\d\d:\d\d:\d\d/);

    const decided = await post(h(), s.owner, `/api/applications/${de.id}/reject`, {}, GERMAN);
    assert.equal(decided.statusCode, 200, decided.body);
    assert.equal(json(decided).message, 'Der Antrag wurde abgelehnt. Der Errichter wurde informiert.');
  });
});
