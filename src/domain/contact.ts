// Rules for the ways a person is reached: email addresses and phone numbers.
import { invalidInput } from './errors.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** Emails are unique case-insensitively, so they are stored lower-cased. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email))
    throw invalidInput(`"${raw}" is not a valid email address.`, 'invalid_email', field);
  return email;
}

/** Phones are E.164: a plus sign, the country code and the number, digits only (spaces and dashes are dropped). */
export function normalizePhone(raw: string, field = 'phone'): string {
  const phone = raw.trim().replace(/[\s\-().]/g, '');
  if (!E164.test(phone))
    throw invalidInput(
      `"${raw}" is not a phone number in international form, e.g. +353861234567.`,
      'invalid_phone',
      field,
    );
  return phone;
}

export function looksLikeEmail(raw: string): boolean {
  return raw.includes('@');
}

/** Passwords: long enough to resist guessing, short enough not to be a denial-of-service vector for scrypt. */
export function checkPassword(password: string, field = 'password'): void {
  if (password.length < 8) throw invalidInput('The password must have at least 8 characters.', 'weak_password', field);
  if (password.length > 200) throw invalidInput('The password must have at most 200 characters.', undefined, field);
}

export function checkDisplayName(raw: string, field = 'displayName'): string {
  const name = raw.trim();
  if (name.length === 0) throw invalidInput('The name must not be empty.', undefined, field);
  if (name.length > 100) throw invalidInput('The name must have at most 100 characters.', undefined, field);
  return name;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
