// The permissions' names in German, for every text the server writes in German (notices, confirmations,
// validity descriptions). The web app has its own in web/src/i18n/de.ts.
import { isPermission, permissionLabel, type Permission } from '../domain/permissions.ts';
import type { Language } from './languages.ts';

export const PERMISSION_DE: Record<Permission, string> = {
  live_view: 'Live-Ansicht',
  playback: 'Wiedergabe',
  two_way_audio: 'Gegensprechen',
  ptz: 'PTZ-Steuerung',
  alarm_notifications: 'Alarmbenachrichtigungen',
  download: 'Herunterladen',
  configuration: 'Konfiguration',
};

/** A permission's name in `language` (the raw name of one that no longer exists). */
export function permissionIn(p: string, language: Language): string {
  if (!isPermission(p)) return p;
  return language === 'de' ? PERMISSION_DE[p] : permissionLabel(p);
}
