// The permission application ("Available permission" in Hik-ProConnect) as a state machine.
//
//   pending --agree----> agreed      (owner; adds the permissions with the requested validity)
//   pending --reject---> rejected    (owner)
//   pending --cancel---> cancelled   (installer)
//   pending --new one--> superseded  (a newer application of the same organization for the same device)
//   pending --time-----> expired     (computed on read: expires_at <= now)
import { conflict, gone, invalidInput } from './errors.ts';

export type ApplicationStatus = 'pending' | 'agreed' | 'rejected' | 'cancelled' | 'superseded' | 'expired';

export const REJECTED_MESSAGE = 'The application was rejected. The installer has been told.';

export const AGREED_MESSAGE =
  'Operation succeeded. You can edit or cancel permissions later in the device details page in Service > Authorized Devices.';

export function applicationStatus(stored: string, expiresAt: number, now: number): ApplicationStatus {
  if (stored === 'pending' && expiresAt <= now) return 'expired';
  return stored as ApplicationStatus;
}

export function checkPending(status: ApplicationStatus): void {
  if (status === 'expired') throw gone('This application has expired.', 'application_expired');
  if (status !== 'pending') throw conflict(`This application was already ${status}.`, `application_${status}`);
}

export function checkRemark(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null) return null;
  const remark = raw.trim();
  if (remark.length > 500)
    throw invalidInput('The remark must have at most 500 characters.', 'remark_too_long', 'remark');
  return remark.length === 0 ? null : remark;
}

/** Each id at most once, at least one. */
export function checkDistinctIds(ids: readonly string[], field: string, what: string): void {
  if (ids.length === 0) throw invalidInput(`Choose at least one ${what}.`, 'nothing_chosen', field);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id))
      throw invalidInput(`This ${what} is listed twice.`, `duplicate_${what.replace(/\W/g, '_')}`, `${field}/${i}`);
    seen.add(id);
  });
}
