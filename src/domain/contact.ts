// Rules for the ways a person is reached: email addresses and phone numbers.
import { invalidInput } from './errors.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Emails are compared in one canonical form: NFKC (a fullwidth `ｂｏｂ` or a mathematical bold 𝐛𝐨𝐛 becomes `bob`),
 * then lower-cased. Look-alikes that survive NFKC are refused rather than guessed at: see `lookAlikeProblem`.
 */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().normalize('NFKC').toLowerCase();
  if (email.length > 254 || !EMAIL.test(email))
    throw invalidInput(`"${raw}" is not a valid email address.`, 'invalid_email', field).with({ value: raw });
  const problem = lookAlikeProblem(email);
  if (problem) throw invalidInput(`"${raw}" cannot be used as an email address: ${problem}`, 'confusable_email', field);
  return email;
}

const INVISIBLE = /[\p{Cf}\p{Cc}\p{Zs}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u;
const LETTER = /\p{L}|\p{M}|\p{N}/u;
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Cherokee',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Arabic',
  'Hebrew',
  'Thai',
  'Devanagari',
  'Georgian',
  'Ethiopic',
].map((name) => ({
  name,
  re: new RegExp(`\\p{Script=${name}}`, 'u'),
}));
/** Cyrillic and Greek letters drawn like Latin ones: a part made only of them reads as a Latin word. */
const LATIN_LOOKALIKES = new Set([...'аеорсухіјѕԁһԛԝӏвкмнтьѵαοορνικτυχβεζηιμ']);

/**
 * Why an (NFKC, lower-cased) address could pass for another one, or null. Each part (the local part and every
 * domain label) must be written in one script: `pаypal` with a Cyrillic `а` is refused, so is an all-Cyrillic
 * part made only of Latin look-alikes (`рауpаl`); invisible and format characters are refused anywhere.
 */
export function lookAlikeProblem(email: string): string | null {
  if (INVISIBLE.test(email)) return 'it contains an invisible or formatting character.';
  const [local = '', domain = ''] = email.split('@');
  for (const part of [local, ...domain.split('.')]) {
    const letters = [...part].filter((ch) => LETTER.test(ch) && !/[0-9]/.test(ch));
    if (letters.every((ch) => ch.charCodeAt(0) < 128)) continue;
    const scripts = new Set<string>();
    for (const ch of letters) {
      if (/\p{Script=Inherited}|\p{Script=Common}/u.test(ch)) continue;
      const script = SCRIPTS.find((s) => s.re.test(ch))?.name ?? 'other';
      scripts.add(script);
    }
    if (scripts.size > 1) return 'it mixes letters of different scripts (look-alike characters).';
    if ((scripts.has('Cyrillic') || scripts.has('Greek')) && letters.every((ch) => LATIN_LOOKALIKES.has(ch)))
      return 'it is written in letters that look like Latin ones (look-alike characters).';
    if (scripts.has('other')) return 'it contains characters that are not accepted in addresses.';
  }
  return null;
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
  if (password.length > 200)
    throw invalidInput('The password must have at most 200 characters.', 'password_too_long', field);
}

export function checkDisplayName(raw: string, field = 'displayName'): string {
  const name = raw.trim();
  if (name.length === 0) throw invalidInput('The name must not be empty.', 'name_empty', field);
  if (name.length > 100) throw invalidInput('The name must have at most 100 characters.', 'name_too_long', field);
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
