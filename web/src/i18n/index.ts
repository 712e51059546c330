// The app's languages (i18next + react-i18next): English and German. The language is, in order: the one chosen on
// Me (stored on the account and in this browser), else the browser's. Screens call `const { t } = useTranslation()`
// and `t('home.title')`; catalogs are en.ts (the reference) and de.ts. docs/web.md says how to convert a screen.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { setFormatLocale } from '../lib/format.ts';
import { de } from './de.ts';
import { en } from './en.ts';

/** The catalog's shape, with every leaf a string: each language must have every key of English. */
type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };
export type Catalog = Strings<typeof en>;

export const LANGUAGES = { en: 'English', de: 'Deutsch' } as const;
export type Language = keyof typeof LANGUAGES;
const STORED = 'keyholder.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && value in LANGUAGES;
}

/** The browser's preferred language among ours (de-AT → de), else English. */
export function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORED);
  return isLanguage(stored) ? stored : browserLanguage();
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
  setFormatLocale(lng);
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: Object.keys(LANGUAGES),
  interpolation: { escapeValue: false },
});

/** Shows the app in `language` from now on in this browser. */
export function showLanguage(language: Language): void {
  localStorage.setItem(STORED, language);
  if (i18n.language !== language) void i18n.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'en';
}

export default i18n;
