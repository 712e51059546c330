// Push notification texts in languages other than English, per message kind. English pushes carry the message's
// own title and body (written by the service that posted it); for another language the push says what happened
// and where tapping leads, in that language, and the message itself is read in the app.
import type { Language } from './languages.ts';

type Texts = { title: string; body: string };

export const PUSH_TEXTS: Record<Exclude<Language, 'en'>, Record<string, Texts>> = {
  de: {
    handover_invitation: {
      title: 'Einladung zur Übernahme einer Anlage',
      body: 'Ein Errichter möchte Ihnen Geräte übergeben. Tippen Sie, um die Einladung anzusehen.',
    },
    org_invitation: {
      title: 'Einladung in eine Errichter-Organisation',
      body: 'Sie wurden eingeladen, einer Organisation beizutreten. Tippen Sie, um zu antworten.',
    },
    permission_application: {
      title: 'Ein Errichter beantragt Berechtigungen',
      body: 'Stimmen Sie zu oder lehnen Sie ab, je Gerät oder für alle.',
    },
    device_transfer: {
      title: 'Ihnen wird ein Gerät übertragen',
      body: 'Tippen Sie, um die Übertragung anzunehmen oder abzulehnen.',
    },
    share_received: {
      title: 'Ein Gerät wurde mit Ihnen geteilt',
      body: 'Tippen Sie, um zu sehen, was Sie damit tun dürfen.',
    },
    share_changed: { title: 'Eine Freigabe wurde geändert', body: 'Tippen Sie, um zu sehen, was Sie jetzt dürfen.' },
    share_revoked: { title: 'Eine Freigabe wurde beendet', body: 'Sie haben keinen Zugriff mehr auf das Gerät.' },
    share_expiring: { title: 'Eine Freigabe endet bald', body: 'Tippen Sie, um zu sehen, wann.' },
    authorization_expiring: {
      title: 'Eine Berechtigung endet bald',
      body: 'Tippen Sie, um zu sehen, welche und wann.',
    },
    device_exception: { title: 'Störung an einem Gerät', body: 'Tippen Sie, um die Meldung anzusehen.' },
    access_denied: {
      title: 'Jemand mit Zugriff wurde abgewiesen',
      body: 'Tippen Sie, um zu sehen, wer, wann und warum.',
    },
  },
};

/** The push's words for a reader of `language`; null: use the message's own (English) words. */
export function pushTexts(language: Language, kind: string): Texts | null {
  if (language === 'en') return null;
  return PUSH_TEXTS[language][kind] ?? { title: 'Keyholder', body: 'Tippen Sie, um die Nachricht anzusehen.' };
}
