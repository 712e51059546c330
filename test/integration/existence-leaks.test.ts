// An outsider learns nothing about a device they have no relation to: asking about channel 99 of somebody
// else's device answers exactly like asking about a made-up id (access check and stream tickets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, ok, statusOf } from '../helpers/api.ts';
import { describeEachDatabase } from '../helpers/harness.ts';
import { signUp } from '../helpers/people.ts';
import { ownDevice } from '../helpers/sharing.ts';

/** One decision: a check without a `checks` batch. */
type Decision = { allowed: boolean; reason?: string; detail?: string };

describeEachDatabase('no existence leaks to outsiders', (h) => {
  test('access check and stream tickets: a real device with a bad channel looks like an unknown id', async () => {
    const owner = await signUp(h(), 'Owner');
    const outsider = await signUp(h(), 'Outsider');
    const nvr = await ownDevice(h(), owner.id, { channels: 16 });
    const ghost = 'dev_madeUpButWellFormed00';
    const answers: Record<string, unknown[]> = {};
    for (const [label, deviceId, channel] of [
      ['real, channel 99', nvr, 99],
      ['real, channel 0', nvr, 0],
      ['real, channel 3', nvr, 3],
      ['made up, channel 99', ghost, 99],
      ['made up, channel 3', ghost, 3],
    ] as const) {
      const asOutsider = api(h(), outsider.token);
      const check = await asOutsider.POST('/api/access/check', {
        body: { deviceId, channel, permission: 'live_view' },
      });
      const ticket = await asOutsider.POST('/api/stream-tickets', {
        body: { deviceId, channel: Math.max(channel, 1), permission: 'live_view' },
      });
      const decision = check.data as Decision | undefined;
      answers[label] = [
        check.response.status,
        decision?.allowed,
        decision?.reason,
        decision?.detail,
        ticket.response.status,
        ticket.error?.code,
        ticket.error?.detail,
      ];
    }
    const reference = answers['made up, channel 3'];
    assert.deepEqual(reference!.slice(0, 3), [200, false, 'no_access']);
    assert.equal(reference![4], 404);
    for (const [label, a] of Object.entries(answers)) assert.deepEqual(a, reference, label);
  });

  test('the owner still hears that a channel does not exist', async () => {
    const owner = await signUp(h(), 'Owner');
    const nvr = await ownDevice(h(), owner.id, { channels: 4 });
    const asOwner = api(h(), owner.token);
    const check = await ok(
      asOwner.POST('/api/access/check', { body: { deviceId: nvr, channel: 99, permission: 'live_view' } }),
    );
    assert.equal((check as Decision).reason, 'unknown_channel');
    const ticket = asOwner.POST('/api/stream-tickets', {
      body: { deviceId: nvr, channel: 99, permission: 'live_view' },
    });
    assert.equal(await statusOf(ticket), 400);
  });
});
