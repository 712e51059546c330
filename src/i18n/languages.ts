// The languages Keyholder speaks. The web app's catalogs (web/src/i18n/*.json) and the server's texts for push
// notifications (push-texts.ts) cover each of them; a test fails when a key is missing in one.
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The account's language, or English for accounts that never chose one. */
export function languageOf(account: { language: string | null }): Language {
  return isLanguage(account.language) ? account.language : DEFAULT_LANGUAGE;
}
