// The notifier's words in German: what an inbox message, an email and a push say to a person whose account
// language is German. English is the notifier's own table (src/services/notifier.ts); every kind there has its
// German words here (test/unit/i18n.test.ts). Facts that arrive as finished English sentences (a share's
// confirmation, an installer's remark, a device's exception detail) are not repeated: the German text says what
// happened from the facts it has, and the app shows the details in German.
import type { AuthorizationEnding, EventKind, FactsOf, Recipient, ShareEnding, Words } from '../services/notifier.ts';
import { permissionIn } from './permissions-de.ts';

function label(p: string): string {
  return permissionIn(p, 'de');
}

const ROLE_DE: Record<string, string> = { admin: 'Administrator', member: 'Mitglied' };

function role(r: string): string {
  return ROLE_DE[r] ?? r;
}

/** A point in time as a German reader writes it, in their time zone ("3. Dez. 2026, 14:05 (Europe/Berlin)"). */
export function wannDe(t: number, timeZone: string): string {
  try {
    return `${new Intl.DateTimeFormat('de-DE', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(t)} (${timeZone})`;
  } catch {
    return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** „A“ or „3 Geräte“. */
function geraete(names: readonly string[]): string {
  return names.length === 1 ? `„${names[0]}“` : `${names.length} Geräte`;
}

function geraeteLang(names: readonly string[]): string {
  return names.map((n) => `„${n}“`).join(', ');
}

// Partial in its type so a kind added elsewhere still compiles; the unit test fails until it has its German words.
type GermanWords = { [K in EventKind]?: (facts: FactsOf<K>, to: Recipient) => Words };

export const NOTICES_DE: GermanWords = {
  share_received: (f) => ({
    title: `${f.owner} hat ${geraete(f.devices)} mit Ihnen geteilt`,
    body: `Sie können ${geraeteLang(f.devices)} jetzt nutzen. Was Sie damit tun dürfen und wie lange, steht in der App.`,
  }),
  share_changed: (f) => ({
    title: `${f.owner} hat geändert, was Sie mit „${f.device}“ tun dürfen`,
    body: `Was Sie mit „${f.device}“ jetzt tun dürfen, steht in der App.`,
  }),
  share_revoked: (f) => ({
    title: f.owner
      ? `${f.owner} teilt ${geraete(f.devices)} nicht mehr mit Ihnen`
      : `${geraete(f.devices)} ${f.devices.length === 1 ? 'wird' : 'werden'} nicht mehr mit Ihnen geteilt`,
    body: f.changedOwner
      ? `${geraeteLang(f.devices)} ${f.devices.length === 1 ? 'hat' : 'haben'} den Besitzer gewechselt; der Zugriff, der mit Ihnen geteilt war, ist beendet.`
      : `Sie haben keinen Zugriff mehr auf ${geraeteLang(f.devices)}.`,
  }),
  share_removed: (f) => ({
    title: `${f.recipient} hat „${f.device}“ aus dem eigenen Konto entfernt`,
    body: `Die Freigabe von „${f.device}“ für ${f.recipient} ist beendet.`,
  }),
  share_expiring: (f, to) => shareEnding(f, to, false),
  share_expired: (f, to) => shareEnding(f, to, true),
  authorization_expiring: (f, to) => authorizationEnding(f, to, false),
  authorization_expired: (f, to) => authorizationEnding(f, to, true),
  authorization_changed: (f) => {
    const now = (p: string[]) => (p.length > 0 ? p.map(label).join(', ') : 'keine');
    const only = f.devices.length === 1 ? f.devices[0]! : null;
    const noneLeft = f.devices.some((d) => d.permissions.length === 0);
    return {
      title: only
        ? `Berechtigungen für ${only.name} geändert`
        : `Berechtigungen für ${f.devices.length} Geräte geändert`,
      body:
        (only
          ? `Berechtigungen jetzt: ${now(only.permissions)}.`
          : `Berechtigungen jetzt:\n${f.devices.map((d) => `• ${d.name}: ${now(d.permissions)}`).join('\n')}`) +
        (noneLeft ? ' Der Errichter darf diese Geräte nicht mehr bedienen oder konfigurieren.' : ''),
    };
  },
  authorization_withdrawn: (f) => ({
    title: `${f.owner} hat Ihre Berechtigung für ${f.devices.length === 1 ? f.devices[0] : `${f.devices.length} Geräte`} entzogen`,
    body: 'Der Errichter darf diese Geräte nicht mehr bedienen oder konfigurieren.',
  }),
  authorization_released: (f) => ({
    title: `Der Errichter hat eine Berechtigung für ${f.device} zurückgegeben`,
    body: `Der Errichter hat ${label(f.permission)} für ${f.device} zurückgegeben.`,
  }),
  permission_application: (f) => ({
    title: `${f.org} beantragt Berechtigungen`,
    body:
      `${f.org} beantragt Berechtigungen für ${f.devices.join(', ')}. ` +
      'Stimmen Sie je Gerät oder für alle zu, oder lehnen Sie ab.',
  }),
  permission_application_cancelled: () => ({
    title: 'Ein Berechtigungsantrag wurde zurückgezogen',
    body: 'Der Errichter hat seinen Antrag zurückgezogen; es gibt nichts zu beantworten.',
  }),
  application_agreed: (f) => ({
    title: `Berechtigungsantrag angenommen: ${f.device}`,
    body: `Der Besitzer hat dem Antrag für ${f.device} zugestimmt.`,
  }),
  application_rejected: (f) => ({
    title: `Berechtigungsantrag abgelehnt: ${f.device}`,
    body: `Der Besitzer hat den Antrag für ${f.device} abgelehnt.`,
  }),
  handover_invitation: (f) => ({
    title: `${f.org} lädt Sie ein, ${f.site} zu übernehmen`,
    body: `${f.devices === 1 ? 'Ein Gerät wird' : `${f.devices} Geräte werden`} an Ihr Konto gebunden. Die Einzelheiten stehen in der Einladung.`,
  }),
  handover_cancelled: (f) => ({
    title: `Die Einladung zur Übernahme von ${f.site} wurde zurückgezogen`,
    body: 'Der Errichter hat die Einladung zurückgezogen.',
  }),
  handover_accepted: (f) => ({
    title: `${f.site} wurde übergeben`,
    body: `${f.invitee} hat die Einladung angenommen; die Geräte gehören jetzt ${f.invitee}.`,
  }),
  handover_declined: (f) => ({
    title: `Die Übergabe von ${f.site} wurde abgelehnt`,
    body: 'Die eingeladene Person hat die Einladung abgelehnt.',
  }),
  org_invitation: (f) => ({
    title: `Treten Sie ${f.org} auf Keyholder bei`,
    body: `Sie sind eingeladen, der Errichter-Organisation ${f.org} als ${role(f.role)} beizutreten.`,
  }),
  org_member_joined: (f) => ({
    title: `${f.member} ist der Organisation beigetreten`,
    body: `${f.member} ist jetzt ${role(f.role)} der Organisation.`,
  }),
  org_invitation_declined: (f) => ({
    title: `${f.member} möchte nicht beitreten`,
    body: `${f.member} hat die Einladung abgelehnt.`,
  }),
  org_role_changed: (f) => ({
    title: 'Ihre Rolle hat sich geändert',
    body: `Sie sind jetzt ${role(f.role)} der Organisation.`,
  }),
  org_member_removed: () => ({
    title: 'Sie wurden aus einer Organisation entfernt',
    body: 'Ein Administrator hat Sie aus der Organisation entfernt.',
  }),
  device_exception: (f) => ({
    title: `${f.device}: Störung gemeldet`,
    body: `${f.device} meldet eine Störung. Die Meldung des Geräts: ${f.what}. ${f.detail}`,
  }),
  device_transfer: (f) => ({
    title: `${f.from} möchte Ihnen ${f.device} übertragen`,
    body: `Nehmen Sie an, um Besitzer von ${f.device} (${f.model}) zu werden. Freigaben und Errichter-Zugriff darauf enden, wenn Sie annehmen.`,
  }),
  transfer_cancelled: (f) => ({
    title: `Das Angebot von ${f.device} wurde zurückgezogen`,
    body: `Der Besitzer von ${f.device} hat die Übertragung zurückgezogen.`,
  }),
  transfer_accepted: (f) => ({
    title: `${f.to} hat ${f.device} angenommen`,
    body: `${f.to} ist jetzt Besitzer von ${f.device}. Seine Freigaben und der Errichter-Zugriff sind beendet.`,
  }),
  transfer_declined: (f) => ({
    title: `${f.to} hat ${f.device} abgelehnt`,
    body: `${f.to} hat die Übertragung von ${f.device} nicht angenommen; das Gerät gehört weiter Ihnen.`,
  }),
  share_delivered: (f) => ({
    title: `${f.address} hat sich registriert: ${geraete(f.devices)} ${f.devices.length === 1 ? 'ist' : 'sind'} jetzt mit ${f.to} geteilt`,
    body: `Ihre Freigabe für ${f.address} hat gewartet, bis ${f.to} bewiesen hat, dass die Adresse ihm oder ihr gehört.`,
  }),
  share_not_delivered: (f) => ({
    title: `${f.address} hat sich registriert, aber Ihre wartende Freigabe konnte nicht zugestellt werden`,
    body: 'Das Gerät hat inzwischen den Besitzer gewechselt, oder es war schon mit dieser Person geteilt.',
  }),
  transfer_delivered: (f) => ({
    title: `${f.address} hat sich registriert: Ihr Angebot von ${f.device} hat ${f.to} erreicht`,
    body: `${f.to} hat bewiesen, dass ${f.address} ihm oder ihr gehört, und kann ${f.device} jetzt annehmen oder ablehnen.`,
  }),
  address_removed: (f) => ({
    title: `Eine Adresse wurde aus Ihrem Konto entfernt`,
    body:
      `Jemand hat bewiesen, dass ${f.address} ihm oder ihr gehört, bevor dieses Konto sie bestätigt hat; deshalb ` +
      'wurde sie aus diesem Konto entfernt. Fügen Sie unter „Ich“ eine Adresse hinzu, die Sie bestätigen können.',
  }),
  // ---- co-managers (the English phrase of what a manager did is not repeated: the history shows it) ----
  manager_added: (f) => ({
    title: `${f.owner} hat Sie zum Verwalter von „${f.device}“ gemacht`,
    body:
      `Sie können „${f.device}“ jetzt freigeben, Freigaben ändern und widerrufen, Installateuren antworten und den ` +
      `Verlauf sehen. Nur ${f.owner} kann das Gerät entfernen oder weitergeben.`,
  }),
  manager_added_many: (f) => ({
    title: `${f.owner} hat Sie zum Verwalter von ${f.devices.length} Geräten gemacht`,
    body:
      `Sie können ${f.devices.map((d) => `„${d}“`).join(', ')} jetzt freigeben, Freigaben ändern und widerrufen, ` +
      `Installateuren antworten und den Verlauf sehen. Nur ${f.owner} kann die Geräte entfernen oder weitergeben.`,
  }),
  manager_removed: (f) => ({
    title:
      f.why === 'stepped_down'
        ? `${f.who} verwaltet „${f.device}“ nicht mehr`
        : `Sie verwalten „${f.device}“ nicht mehr`,
    body:
      f.why === 'stepped_down'
        ? `${f.who} ist als Verwalter von „${f.device}“ zurückgetreten.`
        : f.why === 'changed_hands'
          ? `„${f.device}“ gehört nicht mehr der Person, für die Sie es verwaltet haben.`
          : `Der Eigentümer von „${f.device}“ hat Sie als Verwalter entfernt.`,
  }),
  managed_device_changed: (f) => ({
    title: `${f.manager} hat „${f.device}“ geändert`,
    body: `${f.manager} verwaltet „${f.device}“ für Sie und hat etwas geändert. Die Einzelheiten stehen im Verlauf des Geräts.`,
  }),
  // ---- refused attempts ----
  access_denied: (f) => ({
    title: `Jemand mit Zugriff wurde bei „${f.device}“ abgewiesen`,
    body:
      `${f.people.join(', ')} wollte „${f.device}“ nutzen und wurde abgewiesen (${f.attempts} ` +
      `${f.attempts === 1 ? 'Versuch' : 'Versuche'}). Der Verlauf des Geräts nennt jeden abgewiesenen Versuch.`,
  }),
  // ---- ownership claims: never naming the owner to the claimant ----
  device_claimed: (f) => ({
    title: `Jemand sagt, „${f.device}“ gehöre ihm`,
    body:
      `Die Person, die ${f.device} (Seriennummer ${f.serial}) hat, hat mit einem Foto des Etiketts und dessen Code ` +
      `Anspruch erhoben: „${f.message}“. Wenn Sie das Gerät verkauft oder verschenkt haben, geben Sie es unter ` +
      `Ansprüche bis ${f.until} frei; wenn es Ihnen gehört, lehnen Sie ab. Ohne Antwort prüft ein Betreiber den Anspruch.`,
  }),
  claim_released: (f) => ({
    title: `${f.model} ${f.serial} wurde für Sie freigegeben`,
    body: `Fügen Sie es jetzt mit Seriennummer und Prüfcode hinzu (Gerät hinzufügen). Es ist bis ${f.until} für Sie reserviert.`,
  }),
  claim_under_review: (f) => ({
    title: `Ihr Anspruch auf ${f.model} ${f.serial} wird geprüft`,
    body: 'Das Gerät wurde nicht freigegeben; ein Betreiber prüft Ihren Anspruch und die Nachweise. Sie erfahren das Ergebnis.',
  }),
  claim_review: (f) => ({
    title: `Ein Anspruch auf ${f.model} ${f.serial} wartet auf Prüfung`,
    body: 'Der Eigentümer hat den Anspruch abgelehnt; prüfen Sie ihn unter Betrieb → Ansprüche.',
  }),
  claim_transferred: (f) => ({
    title: `${f.model} ${f.serial} gehört jetzt Ihnen`,
    body: 'Ein Betreiber hat Ihren Anspruch geprüft und das Gerät Ihrem Konto übertragen.',
  }),
  claim_transferred_away: (f) => ({
    title: `„${f.device}“ wurde der Person übertragen, die Anspruch erhoben hat`,
    body:
      `Ein Betreiber hat den Anspruch auf ${f.device} (Seriennummer ${f.serial}) geprüft und das Gerät übertragen. ` +
      'Seine Freigaben und Installateurzugriffe sind beendet.',
  }),
  claim_dismissed: (f) => ({
    title: `Ihr Anspruch auf ${f.model} ${f.serial} wurde abgewiesen`,
    body: `Ein Betreiber hat Ihren Anspruch geprüft und das Gerät nicht übertragen: ${f.note}`,
  }),
  claim_closed: (f) => ({
    title: `Der Anspruch auf „${f.device}“ wurde abgewiesen`,
    body: `Ein Betreiber hat den Anspruch auf ${f.device} (Seriennummer ${f.serial}) geprüft; das Gerät bleibt Ihres.`,
  }),
};

function shareEnding(f: ShareEnding, to: Recipient, ended: boolean): Words {
  const labels = f.permissions.map(label).join(', ');
  const when = wannDe(f.validUntil, to.time_zone);
  if (to.id === f.recipientId) {
    const whose = f.ownerName ? `Die Freigabe von ${f.ownerName}` : 'Die Freigabe';
    return {
      title: ended ? `Ihr Zugriff auf „${f.device}“ ist beendet` : `Ihr Zugriff auf „${f.device}“ endet bald`,
      body: `${whose} für ${f.device} (${labels}) ${ended ? 'endete am' : 'endet am'} ${when}.`,
    };
  }
  const withWhom = f.recipientName ? ` mit ${f.recipientName}` : '';
  return {
    title: `Ihre Freigabe von „${f.device}“${withWhom} ${ended ? 'ist beendet' : 'endet bald'}`,
    body: ended
      ? `Ihre Freigabe von ${f.device}${withWhom} (${labels}) endete am ${when}.`
      : `Ihre Freigabe von ${f.device}${withWhom} (${labels}) endet am ${when}. Bearbeiten Sie die Freigabe, um sie zu verlängern.`,
  };
}

function authorizationEnding(f: AuthorizationEnding, to: Recipient, ended: boolean): Words {
  const what = `Die Berechtigung ${label(f.permission)} von ${f.org} für ${f.device}`;
  const when = wannDe(f.validUntil, to.time_zone);
  if (to.id === f.ownerId) {
    return {
      title: `${label(f.permission)} von ${f.org} für „${f.device}“ ${ended ? 'ist beendet' : 'endet bald'}`,
      body: ended
        ? `${what} endete am ${when}. Der Errichter kann sie nicht mehr nutzen.`
        : `${what} endet am ${when}. Danach kann der Errichter sie nicht mehr nutzen, außer Sie erteilen sie erneut.`,
    };
  }
  return {
    title: `${label(f.permission)} für „${f.device}“ ${ended ? 'ist beendet' : 'endet bald'}`,
    body: `${what} ${ended ? 'endete am' : 'endet am'} ${when}. Beantragen Sie sie erneut, wenn Sie sie noch brauchen.`,
  };
}

/** The line under an email's text: where to read the message in the app. */
export function emailLinkDe(url: string, toMessage: boolean): string {
  return toMessage ? `Jetzt ansehen: ${url}` : `Keyholder öffnen: ${url}`;
}
