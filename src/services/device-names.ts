// Devices as a person can tell them apart in a text the server writes (inbox, email, push): after a handover an
// owner may have two "Coastal I-Series NVR". A device whose name another of the reader's own devices also carries
// (or another device in the same text) is named with the end of its serial number, as Home shows it:
// "Coastal I-Series NVR (…4F21C0)". Only the owner reads the tail: people a device is shared with never see its
// serial (docs/sharing.md), so their texts keep the name alone.
import type { Executor } from '../persistence/db.ts';
import * as devices from '../persistence/repositories/devices.ts';

/** The end of a serial number, as printed on the label (the web app's serialTail). */
export function serialTail(serial: string): string {
  return serial.length > 6 ? `…${serial.slice(-6)}` : serial;
}

/** Each device's name for `readerId`, by id, with the serial tail where the name alone is ambiguous to them. */
export async function namesFor(
  db: Executor,
  readerId: string,
  deviceIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (deviceIds.length === 0) return out;
  const named = await devices.listDeviceNames(db, [...new Set(deviceIds)]);
  const owned = await devices.listOwnedNamed(db, readerId, [...new Set(named.map((d) => d.name))]);
  const carriers = new Map<string, Set<string>>();
  for (const d of [...owned, ...named]) carriers.set(d.name, (carriers.get(d.name) ?? new Set()).add(d.id));
  for (const d of named) {
    const ambiguous = (carriers.get(d.name)?.size ?? 0) > 1;
    out.set(d.id, ambiguous && d.owner_account_id === readerId ? `${d.name} (${serialTail(d.serial)})` : d.name);
  }
  return out;
}

/** One device's name for `readerId` (see namesFor). */
export async function nameFor(db: Executor, readerId: string, device: { id: string; name: string }): Promise<string> {
  return (await namesFor(db, readerId, [device.id])).get(device.id) ?? device.name;
}
