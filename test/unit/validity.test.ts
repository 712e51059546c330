import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/domain/errors.ts';
import {
  allowsAt,
  compileSchedule,
  describeValidity,
  inSchedule,
  makeValidity,
  nextChange,
} from '../../src/domain/validity.ts';

const H = 3_600_000;
const M = 60_000;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.status, 400);
    return e.field;
  }
  assert.fail('expected a validation error');
}

test('a validity ending at T allows at T-1 ms and denies at T; starting at F allows at F', () => {
  const F = Date.UTC(2026, 5, 1, 9);
  const T = F + 2 * H;
  const v = makeValidity({ from: F, until: T }, 'UTC');
  assert.equal(allowsAt(v, F - 1), false);
  assert.equal(allowsAt(v, F), true);
  assert.equal(allowsAt(v, T - 1), true);
  assert.equal(allowsAt(v, T), false);
  assert.equal(nextChange(v, F - 10), F);
  assert.equal(nextChange(v, F), T);
  assert.equal(nextChange(v, T), null);
});

test('weekdays 08:00-18:00 in Dublin follow the local clock across the October change', () => {
  const v = makeValidity(
    { schedule: { windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] } },
    'Europe/Dublin',
  );
  // Friday 23 Oct 2026 (IST, UTC+1): 08:00 local = 07:00 UTC.
  assert.equal(allowsAt(v, Date.UTC(2026, 9, 23, 7, 0) - 1), false);
  assert.equal(allowsAt(v, Date.UTC(2026, 9, 23, 7, 0)), true);
  assert.equal(allowsAt(v, Date.UTC(2026, 9, 23, 17, 0) - 1), true);
  assert.equal(allowsAt(v, Date.UTC(2026, 9, 23, 17, 0)), false);
  // Saturday: closed. Next opening: Monday 26 Oct (GMT, UTC+0) 08:00 = 08:00 UTC.
  assert.equal(allowsAt(v, Date.UTC(2026, 9, 24, 12)), false);
  assert.equal(nextChange(v, Date.UTC(2026, 9, 24, 12)), Date.UTC(2026, 9, 26, 8, 0));
});

test('a window whose end is not after its start crosses midnight into the next day', () => {
  const s = compileSchedule({ windows: [{ days: [5], from: '22:00', to: '06:00' }] }, 'UTC');
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 27, 21, 59)), false); // Friday 21:59
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 27, 22, 0)), true); // Friday 22:00
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 28, 5, 59)), true); // Saturday 05:59
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 28, 6, 0)), false);
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 21, 3, 0)), true); // the Saturday before, after Friday 20 Nov
  assert.equal(inSchedule(s, Date.UTC(2026, 10, 22, 3, 0)), false); // Sunday early: no Saturday window
});

test('DST gap: a window inside the skipped hour allows nothing that day; one spanning it ends at the jump', () => {
  // New York springs forward on Sunday 8 Mar 2026: 02:00 EST -> 03:00 EDT (07:00 UTC).
  const gap = compileSchedule({ windows: [{ days: [0], from: '02:00', to: '02:30' }] }, 'America/New_York');
  for (let t = Date.UTC(2026, 2, 8, 5); t < Date.UTC(2026, 2, 8, 10); t += 5 * M)
    assert.equal(inSchedule(gap, t), false);
  const span = makeValidity({ schedule: { windows: [{ days: [0], from: '01:30', to: '02:30' }] } }, 'America/New_York');
  const start = Date.UTC(2026, 2, 8, 6, 30); // 01:30 EST
  assert.equal(allowsAt(span, start), true);
  assert.equal(nextChange(span, start), Date.UTC(2026, 2, 8, 7, 0)); // the jump to 03:00 EDT
});

test('DST overlap: the repeated hour counts twice', () => {
  // New York falls back on Sunday 1 Nov 2026: 02:00 EDT -> 01:00 EST; 01:00-01:30 happens at 05:00 and 06:00 UTC.
  const v = makeValidity({ schedule: { windows: [{ days: [0], from: '01:00', to: '01:30' }] } }, 'America/New_York');
  assert.equal(allowsAt(v, Date.UTC(2026, 10, 1, 5, 10)), true);
  assert.equal(allowsAt(v, Date.UTC(2026, 10, 1, 5, 40)), false);
  assert.equal(allowsAt(v, Date.UTC(2026, 10, 1, 6, 10)), true);
  assert.equal(nextChange(v, Date.UTC(2026, 10, 1, 5, 40)), Date.UTC(2026, 10, 1, 6, 0));
});

test('validation names the field', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(
    fieldOf(() => makeValidity({ from: now + H, until: now }, 'UTC')),
    'validity.until',
  );
  assert.equal(
    fieldOf(() => makeValidity({ from: now, until: now }, 'UTC')),
    'validity.until',
  );
  assert.equal(
    fieldOf(() => makeValidity({ until: now - 1 }, 'UTC', { now })),
    'validity.until',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [] } }, 'UTC')),
    'validity.schedule.windows',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [{ days: [1, 1], from: '08:00', to: '09:00' }] } }, 'UTC')),
    'validity.schedule.windows[0].days',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [{ days: [7], from: '08:00', to: '09:00' }] } }, 'UTC')),
    'validity.schedule.windows[0].days',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [{ days: [1], from: '8:00', to: '09:00' }] } }, 'UTC')),
    'validity.schedule.windows[0].from',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [{ days: [1], from: '08:00', to: '25:00' }] } }, 'UTC')),
    'validity.schedule.windows[0].to',
  );
  assert.equal(
    fieldOf(() => makeValidity({ schedule: { windows: [{ days: [1], from: '08:00', to: '08:00' }] } }, 'UTC')),
    'validity.schedule.windows[0].to',
  );
  // Thursday 1 Jan 2026, 00:00 to 12:00 with a Monday-only schedule: never applies.
  assert.equal(
    fieldOf(() =>
      makeValidity(
        { from: now, until: now + 12 * H, schedule: { windows: [{ days: [1], from: '08:00', to: '09:00' }] } },
        'UTC',
      ),
    ),
    'validity.schedule',
  );
});

test('validity in words', () => {
  const v = makeValidity(
    { schedule: { windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] } },
    'Europe/Dublin',
  );
  assert.equal(describeValidity(v, 'Europe/Dublin'), 'permanent; weekdays 08:00-18:00 (Europe/Dublin)');
});
