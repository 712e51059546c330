// The languages Keyholder speaks. The web app's catalogs (web/src/i18n/*.ts) and the server's notices (inbox,
// email, push: src/i18n/notices-de.ts) cover each of them; a test fails when a key or a kind is missing in one.
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The account's language, or English for accounts that never chose one. */
export function languageOf(account: { language?: string | null }): Language {
  return isLanguage(account.language) ? account.language : DEFAULT_LANGUAGE;
}
