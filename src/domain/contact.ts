// Rules for the ways a person is reached: email addresses and phone numbers.
import { invalid } from './errors.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** Emails are unique case-insensitively, so they are stored lower-cased. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email))
    throw invalid(`"${raw}" is not a valid email address.`, field, 'invalid_email');
  return email;
}

/** Phones are E.164: a plus sign, the country code and the number, digits only (spaces and dashes are dropped). */
export function normalizePhone(raw: string, field = 'phone'): string {
  const phone = raw.trim().replace(/[\s\-().]/g, '');
  if (!E164.test(phone))
    throw invalid(`"${raw}" is not a phone number in international form, e.g. +353861234567.`, field, 'invalid_phone');
  return phone;
}

export function looksLikeEmail(raw: string): boolean {
  return raw.includes('@');
}

/** Passwords: long enough to resist guessing, short enough not to be a denial-of-service vector for scrypt. */
export function checkPassword(password: string, field = 'password'): void {
  if (password.length < 8) throw invalid('The password must have at least 8 characters.', field, 'weak_password');
  if (password.length > 200) throw invalid('The password must have at most 200 characters.', field);
}

export function checkDisplayName(raw: string, field = 'displayName'): string {
  const name = raw.trim();
  if (name.length === 0) throw invalid('The name must not be empty.', field);
  if (name.length > 100) throw invalid('The name must have at most 100 characters.', field);
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
