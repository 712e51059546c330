// The words of every problem (problem+json `detail`) in German, by its stable `code`. The English sentence is
// written where the error is raised; a German reader gets these words instead (src/http/plugins/problems.ts picks
// the reader's language: the account's, else Accept-Language). Facts a sentence names (a device, a person, a
// number) arrive as the error's params (`AppError.with`); without them the German sentence says it without the
// name. Every code the server can send has its words here (test/unit/i18n.test.ts scans src/ for them).
import type { ProblemParams } from '../domain/errors.ts';

type ProblemWords = string | ((p: ProblemParams) => string);

/** „Name“, or the fallback when the fact did not come with the error. */
function named(value: string | number | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : `„${value}“`;
}

function count(n: string | number | undefined, one: string, many: string): string {
  if (n === undefined) return many;
  return Number(n) === 1 ? `1 ${one}` : `${n} ${many}`;
}

const NO_ACCOUNT = 'Dieses Konto gibt es nicht mehr.';
const THROTTLED = 'Zu viele Versuche. Bitte versuchen Sie es später noch einmal.';
const TOO_MANY_CODES = 'Zu viele Codes angefordert. Bitte versuchen Sie es später noch einmal.';
const ALREADY_ANSWERED = 'Dieser Antrag wurde bereits beantwortet.';
const INVITATION_ANSWERED = 'Diese Einladung wurde bereits beantwortet.';
const TIME_ZONE = (p: ProblemParams) =>
  `${named(p.value, 'Diese Zeitzone')} ist keine bekannte Zeitzone (IANA-Name, z. B. Europe/Berlin).`;
const TEXT_EMPTY = 'Dieses Feld darf nicht leer sein.';
const TEXT_TOO_LONG = (p: ProblemParams) =>
  p.max === undefined ? 'Dieser Text ist zu lang.' : `Dieser Text darf höchstens ${p.max} Zeichen haben.`;

export const PROBLEMS_DE: Record<string, ProblemWords> = {
  // ---- logging in, the account, its addresses ----
  unauthenticated: 'Bitte melden Sie sich zuerst an.',
  guest_session_required: 'Öffnen Sie zuerst den Gastlink.',
  bad_token: 'Das Token ist ungültig oder abgelaufen.',
  csrf: 'Die Sicherheitsprüfung dieser Anfrage ist fehlgeschlagen. Laden Sie die Seite neu.',
  operator_only: 'Das darf nur ein Betreiber.',
  metrics_token: 'Senden Sie das Metrik-Token: Authorization: Bearer <METRICS_TOKEN>.',
  bad_login: 'Anmeldename oder Passwort ist falsch.',
  bad_password: 'Das aktuelle Passwort ist falsch.',
  weak_password: 'Das Passwort muss mindestens 8 Zeichen haben.',
  password_too_long: 'Das Passwort darf höchstens 200 Zeichen haben.',
  name_empty: 'Der Name darf nicht leer sein.',
  name_too_long: 'Der Name darf höchstens 100 Zeichen haben.',
  email_taken: 'Es gibt bereits ein Konto mit dieser E-Mail-Adresse.',
  phone_taken: 'Es gibt bereits ein Konto mit dieser Telefonnummer.',
  email_or_phone_required: 'Geben Sie eine E-Mail-Adresse oder eine Telefonnummer an.',
  invalid_email: (p) => `${named(p.value, 'Das')} ist keine gültige E-Mail-Adresse.`,
  confusable_email: (p) =>
    `${named(p.value, 'Diese Adresse')} kann nicht als E-Mail-Adresse verwendet werden: Sie enthält Zeichen, die wie andere aussehen.`,
  invalid_phone: (p) =>
    `${named(p.value, 'Das')} ist keine Telefonnummer in internationaler Form, z. B. +4915123456789.`,
  account_not_found: NO_ACCOUNT,
  session_not_found: 'Diese Sitzung gibt es nicht.',
  unknown_time_zone: TIME_ZONE,
  invalid_time_zone: TIME_ZONE,
  throttled: THROTTLED,
  bad_reset_code: 'Der Code ist falsch oder abgelaufen. Fordern Sie einen neuen an.',
  already_verified: (p) =>
    p.channel === 'phone'
      ? 'Diese Telefonnummer ist bereits bestätigt.'
      : 'Diese E-Mail-Adresse ist bereits bestätigt.',
  no_contact: (p) =>
    p.channel === 'phone'
      ? 'Dieses Konto hat keine Telefonnummer zum Bestätigen.'
      : 'Dieses Konto hat keine E-Mail-Adresse zum Bestätigen.',
  no_code: 'Es wartet kein Code auf Eingabe. Fordern Sie einen neuen an.',
  code_expired: 'Der Code ist abgelaufen. Fordern Sie einen neuen an.',
  wrong_code: 'Der Code ist falsch: Prüfen Sie die Uhrzeit Ihres Telefons und geben Sie den aktuellen Code ein.',
  too_many_codes: TOO_MANY_CODES,
  two_factor_off: 'Die Zwei-Faktor-Anmeldung ist aus.',
  two_factor_on:
    'Die Zwei-Faktor-Anmeldung ist bereits an. Schalten Sie sie zuerst aus, um eine neue App einzurichten.',
  two_factor_required:
    'Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein (oder einen Wiederherstellungscode).',
  bad_two_factor: 'Der Code ist falsch.',
  no_enrolment: 'Beginnen Sie zuerst mit der Einrichtung.',
  no_dev_mailbox: 'Hier gibt es kein Entwickler-Postfach (es braucht DEV_MAILBOX=1 und keine SMTP_URL).',

  // ---- devices ----
  device_not_found: 'Dieses Gerät gibt es nicht.',
  device_not_owned: 'Keines Ihrer Geräte hat diese ID.',
  device_already_yours: 'Dieses Gerät ist bereits an Ihr Konto gebunden.',
  device_bound_elsewhere:
    'Dieses Gerät ist bereits an ein anderes Konto gebunden. Der jetzige Besitzer muss es zuerst entfernen.',
  device_not_bound: 'Dieses Gerät ist an niemanden gebunden: Fügen Sie es unter „Gerät hinzufügen“ hinzu.',
  device_changed: 'Das Gerät hat sich inzwischen geändert; laden Sie den Standort neu.',
  device_offline: 'Das Gerät ist offline. Befehle können gesendet werden, sobald es wieder verbunden ist.',
  device_timeout: (p) =>
    `Das Gerät hat nicht ${p.seconds === undefined ? 'rechtzeitig' : `innerhalb von ${p.seconds} Sekunden`} geantwortet. Es führt den Befehl vielleicht trotzdem aus.`,
  unknown_command: (p) => `${named(p.value, 'Das')} ist kein Befehl.`,
  confirmation_required:
    'Das Formatieren löscht alle Aufnahmen auf dieser Festplatte. Bestätigen Sie es ausdrücklich, um fortzufahren.',
  invalid_serial: (p) =>
    `${named(p.value, 'Das')} ist keine gültige Seriennummer: 4 bis 32 Buchstaben, Ziffern oder Bindestriche.`,
  invalid_code: 'Der Verifizierungscode hat 4 bis 32 Buchstaben oder Ziffern, wie auf dem Etikett des Geräts gedruckt.',
  invalid_kind: (p) => `${named(p.value, 'Das')} ist keine Geräteart.`,
  invalid_channels: (p) =>
    p.max === undefined
      ? 'Die Auswahl der Kanäle ist nicht gültig.'
      : Number(p.max) === 1
        ? 'Dieses Gerät hat genau 1 Kanal.'
        : `Dieses Gerät hat 1 bis ${p.max} Kanäle${p.value === undefined ? '' : `, nicht ${p.value}`}.`,
  channel_count_required: (p) => `Geben Sie die Zahl der Kanäle an${p.max === undefined ? '' : ` (1 bis ${p.max})`}.`,
  invalid_channel_count: (p) => `${named(p.value, 'Das')} ist keine Zahl von Kanälen.`,
  channel_names_count: 'Die Zahl der Kanalnamen passt nicht zur Zahl der Kanäle.',
  text_empty: TEXT_EMPTY,
  text_too_long: TEXT_TOO_LONG,
  text_control_characters: 'Dieser Text darf keine Steuerzeichen enthalten.',
  invalid_capability: (p) => `${named(p.value, 'Das')} ist kein Fähigkeitsname (Buchstaben, Ziffern, Unterstriche).`,
  duplicate_capability: (p) => `Die Fähigkeit ${named(p.value, '')} ist doppelt angegeben.`,
  invalid_capability_value: (p) =>
    `Die Fähigkeit ${named(p.value, '')} muss wahr, falsch, eine Zahl oder ein kurzer Text sein.`,
  invalid_supports_sharing: 'supportsSharing muss true oder false sein.',
  too_many_capabilities: (p) => `Höchstens ${p.max ?? 'so viele'} Fähigkeiten.`,
  devices_required: 'Geben Sie mindestens ein Gerät an.',
  no_devices: 'Sie haben noch keine Geräte.',
  duplicate_device: 'Dieses Gerät ist doppelt aufgeführt.',
  duplicate_serial: (p) => `Die Seriennummer ${named(p.serial, '')} kommt in der Datei doppelt vor.`,
  serial_exists: (p) => `Die Seriennummer ${named(p.serial, '')} ist bereits im Verzeichnis.`,
  unknown_serial: (p) => `Kein Gerät mit der Seriennummer ${named(p.serial, '')} ist im Verzeichnis.`,
  csv_empty: 'Die Datei enthält nach der Kopfzeile keine Geräte.',
  csv_header: 'Die erste Zeile der Datei muss die Spalten nennen.',
  csv_syntax: (p) => `${p.line === undefined ? '' : `Zeile ${p.line}: `}Die Datei ist kein gültiges CSV.`,
  csv_too_long: (p) => `Höchstens ${p.max ?? 'so viele'} Geräte pro Datei; teilen Sie sie auf.`,
  unsupported_import: 'Senden Sie die CSV-Datei als text/csv oder JSON {"devices": [...]}.',
  invalid_cursor: 'Dieser Cursor ist ungültig; beginnen Sie mit der ersten Seite.',
  channel_not_found: (p) => `Dieses Gerät hat keinen Kanal ${p.channel ?? ''}`.trimEnd() + '.',
  unknown_channel: (p) => `Dieses Gerät hat keinen Kanal ${p.channel ?? ''}`.trimEnd() + '.',

  // ---- access decisions (docs/access-decision.md) ----
  no_access: 'Sie haben keinen Zugriff auf dieses Gerät.',
  channel_required: 'Diese Berechtigung gilt für einen Kanal: Geben Sie an, für welchen.',
  device_level_permission: (p) =>
    `${p.permission === undefined ? 'Diese Berechtigung' : `„${p.permission}“`} gilt für das ganze Gerät: Teilen Sie das ganze Gerät, um sie zu vergeben.`,
  channel_not_shared: 'Dieser Kanal ist nicht mit Ihnen geteilt.',
  permission_not_granted: 'Diese Berechtigung gehört nicht zu dem, was mit Ihnen geteilt wurde.',
  installer_no_permission: 'Der Errichter hat keine Berechtigung, das Gerät zu bedienen oder einzurichten.',
  not_yet_valid: 'Dieser Zugriff hat noch nicht begonnen.',
  expired: 'Dieser Zugriff ist abgelaufen.',
  outside_schedule: 'Dieser Zugriff ist zu diesen Tagen und Uhrzeiten gerade nicht erlaubt.',
  invalid_check: 'Senden Sie entweder eine Prüfung oder „checks“, nicht beides.',
  too_many_checks: (p) => `Höchstens ${p.max ?? 'so viele'} Prüfungen pro Anfrage.`,
  invalid_permission: 'Ein Stream-Ticket gilt für Live-Ansicht oder Wiedergabe.',
  playback_start_required: 'Geben Sie an, ab wann die Wiedergabe beginnen soll.',
  playback_start_invalid: 'Der Beginn der Wiedergabe ist keine gültige Zeit.',
  playback_duration_invalid: 'Die Dauer der Wiedergabe ist nicht gültig.',
  playback_end_invalid: 'Das Ende der Wiedergabe muss nach ihrem Beginn liegen.',
  playback_range_required: 'Geben Sie an, wie lange die Wiedergabe dauern soll.',
  range_too_long: 'Fragen Sie höchstens 7 Tage auf einmal ab.',
  invalid_range: '„Bis“ muss nach „von“ liegen.',

  // ---- sharing ----
  share_exists: (p) =>
    p.waiting === 'yes'
      ? `${named(p.device, 'Dieses Gerät')} wartet bereits darauf, dass sich ${p.recipient ?? 'der Empfänger'} registriert. Widerrufen Sie die wartende Freigabe, um anders zu teilen.`
      : `${named(p.device, 'Dieses Gerät')} ist bereits mit ${p.recipient ?? 'dieser Person'} geteilt. Bearbeiten Sie stattdessen die bestehende Freigabe.`,
  share_to_owner: (p) =>
    `${p.recipient ?? 'Diese Person'} besitzt ${named(p.device, 'dieses Gerät')}: Sie hat bereits alle Berechtigungen.`,
  share_to_self: 'Sie können ein Gerät nicht mit sich selbst teilen.',
  recipient_limit: (p) =>
    `${named(p.device, 'Dieses Gerät')} ist bereits mit ${count(p.count, 'Person', 'Personen')} geteilt (wartende Freigaben mitgezählt), so vielen wie erlaubt. Widerrufen Sie zuerst eine Freigabe.`,
  recipient_not_found: (p) =>
    `${p.channel === 'id' ? 'Dieses Konto gibt es nicht.' : `Kein Keyholder-Konto verwendet ${p.channel === 'phone' ? 'diese Telefonnummer' : 'diese E-Mail-Adresse'}.`} Die Person braucht zuerst ein Keyholder-Konto: Bitten Sie sie, sich zu registrieren, und teilen Sie dann erneut.`,
  invalid_recipient: 'Wählen Sie den Empfänger über genau eines: E-Mail, Telefon, QR-ID oder Konto.',
  share_not_found: 'Diese Freigabe gibt es nicht.',
  share_waiting: (p) =>
    `Diese Freigabe wartet noch darauf, dass sich ${p.contact ?? 'der Empfänger'} registriert: Widerrufen Sie sie und teilen Sie erneut, um sie zu ändern.`,
  sharing_not_supported: (p) => `${named(p.device, 'Dieses Gerät')} unterstützt kein Teilen.`,
  reshare_not_allowed: 'Dieses Gerät wurde mit Ihnen geteilt: Nur sein Besitzer oder ein Verwalter kann es teilen.',
  too_many_devices: (p) => `Höchstens ${p.max ?? 'so viele'} Geräte können in einer Anfrage geteilt werden.`,
  invalid_scope: 'Der Umfang ist „ganzes Gerät“ oder „Kanäle“.',
  channels_required: 'Wählen Sie mindestens einen Kanal.',
  live_view_required: 'Live-Ansicht ist erforderlich: Die Berechtigungen müssen sie enthalten.',
  unknown_permission: (p) => `${named(p.value, 'Das')} ist keine Berechtigung.`,
  invalid_permissions: (p) => `${named(p.value, 'Eine Berechtigung')} ist doppelt aufgeführt.`,
  duplicate_permission: (p) => `${named(p.value, 'Eine Berechtigung')} ist doppelt aufgeführt.`,
  permission_not_requested: (p) =>
    `Der Errichter hat ${named(p.value, 'diese Berechtigung')} für dieses Gerät nicht beantragt; Sie können Berechtigungen nur abwählen.`,
  permissions_required: 'Wählen Sie mindestens eine Berechtigung.',
  invalid_validity: 'Die Gültigkeit ist nicht gültig: Zeiten werden in Millisekunden seit 1970 angegeben.',
  unknown_validity: (p) => `${named(p.value, 'Das')} ist keine Gültigkeit.`,
  until_required: 'Geben Sie das Ende der Gültigkeit an.',
  until_too_far: 'Das Ende liegt zu weit in der Zukunft; wählen Sie stattdessen „dauerhaft“.',
  validity_in_past: 'Das Ende liegt in der Vergangenheit; wählen Sie eine Zeit ab jetzt.',
  invalid_schedule: 'Der Zeitplan ist nicht gültig: Er braucht eine Liste von Zeitfenstern.',
  empty_schedule: 'Ein Zeitplan muss etwas Zeit erlauben: Fügen Sie mindestens ein Zeitfenster hinzu.',
  invalid_time: 'Eine Uhrzeit wird als „HH:MM“ angegeben.',
  household_hidden:
    'Der Besitzer des Geräts hat nicht erlaubt, dass sich die Personen an diesem Gerät gegenseitig sehen.',

  // ---- managers and guest links ----
  manager_exists: (p) => `${p.person ?? 'Diese Person'} verwaltet ${named(p.device, 'dieses Gerät')} bereits.`,
  manager_is_owner: 'Sie besitzen dieses Gerät: Sie verwalten es bereits.',
  manager_not_found: 'Diese Person verwaltet dieses Gerät nicht.',
  owner_only: 'Sie verwalten dieses Gerät: Das kann nur sein Besitzer.',
  guest_link_not_found: 'Diesen Gastlink gibt es nicht.',
  guest_link_expired: 'Dieser Gastlink ist abgelaufen.',
  guest_link_revoked: 'Dieser Gastlink wurde von der Person widerrufen, die ihn geteilt hat.',
  guest_link_used: 'Dieser Link für eine einmalige Nutzung wurde bereits in einem anderen Browser geöffnet.',
  guest_link_limit: (p) =>
    `Dieses Gerät hat bereits ${p.active ?? 'so viele'} aktive Gastlinks, so viele wie erlaubt: Widerrufen Sie zuerst einen.`,
  guest_link_too_long: (p) =>
    p.hours === undefined
      ? 'Ein Gastlink darf nicht so lange gelten.'
      : `Ein Gastlink darf höchstens ${count(p.hours, 'Stunde', 'Stunden')} gelten.`,
  guest_session_ended: 'Diese Gastsitzung ist beendet: Öffnen Sie den Link erneut.',
  pin_required: 'Dieser Gastlink ist mit einer PIN geschützt: Geben Sie sie ein.',
  pin_wrong: 'Diese PIN ist nicht richtig.',
  invalid_pin: 'Eine PIN hat 4 bis 8 Ziffern.',

  // ---- QR IDs and pictures ----
  bad_qr: 'Dieser QR-Code ist keine QR-ID einer Keyholder-Organisation.',
  not_a_qr_id: 'Das ist keine Keyholder-QR-ID.',
  not_a_person: 'Diese QR-ID gehört einer Errichter-Organisation, nicht einer Person.',
  qr_unknown: 'Niemand hat diese QR-ID (sie wurde vielleicht durch eine neue ersetzt).',
  no_qr_code: 'Im Bild wurde kein QR-Code gefunden.',
  bad_image: 'Das Bild ist leer oder kann nicht gelesen werden.',
  unsupported_image: 'Senden Sie das Bild selbst, als PNG oder JPEG.',
  image_interlaced: 'Interlaced-PNG-Bilder werden nicht angenommen; speichern Sie das Bild als normales PNG oder JPEG.',
  image_too_large: 'Das Bild ist zu groß; senden Sie ein kleineres.',
  image_too_slow: 'Das Lesen dieses Bildes dauerte zu lange; senden Sie ein kleineres oder schärferes.',
  pictures_busy: 'Gerade werden zu viele Bilder gelesen; versuchen Sie es noch einmal.',

  // ---- installers, organizations, handover, applications ----
  admin_only: 'Das darf nur ein Administrator der Organisation.',
  already_member: 'Diese Person ist bereits Mitglied der Organisation.',
  already_invited:
    'Der Besitzer des Standorts ist bereits eingeladen. Senden Sie die Einladung erneut oder brechen Sie sie zuerst ab.',
  member_not_found: 'Dieses Mitglied gibt es nicht.',
  last_admin:
    'Die Organisation muss mindestens einen Administrator behalten; machen Sie zuerst jemand anderen zum Administrator.',
  org_not_found: 'Diese Organisation gibt es nicht.',
  bad_org_reference: 'Geben Sie die ID der Organisation (org_…) oder den Text ihrer QR-ID (keyholder:org:…) an.',
  subject_not_found: 'Diese Person oder Organisation gibt es nicht.',
  authorization_not_found: 'Diese Organisation ist auf diesem Gerät nicht autorisiert.',
  permission_not_found: 'Die Organisation hat diese Berechtigung nicht.',
  site_not_found: 'Diesen Standort gibt es nicht.',
  site_not_empty: 'Der Standort hat noch Geräte. Entfernen Sie sie zuerst vom Standort.',
  site_changed:
    'Der Standort hat sich seit der Einladung geändert (ein Gerät wurde entfernt oder anderswo gebunden). Bitten Sie den Errichter, Sie erneut einzuladen.',
  device_not_on_site: 'Dieses Gerät gehört nicht zum Standort.',
  device_not_in_invitation: 'Dieses Gerät gehört nicht zur Einladung.',
  device_not_handed_over:
    'Die Organisation hält dieses Gerät noch mit allen Berechtigungen; es gibt keinen Besitzer, den man fragen könnte.',
  nothing_to_hand_over: 'Der Standort hat keine Geräte zum Übergeben. Fügen Sie zuerst Geräte hinzu.',
  contact_required: 'Geben Sie die E-Mail-Adresse oder die Telefonnummer des Besitzers an.',
  contact_not_verified: (p) =>
    `Bestätigen Sie zuerst ${p.channel === 'phone' ? 'Ihre Telefonnummer' : 'Ihre E-Mail-Adresse'}${p.contact === undefined ? '' : ` ${p.contact}`}, bevor Sie annehmen.`,
  invitation_not_found: 'Diese Einladung gibt es nicht.',
  invitation_expired: 'Diese Einladung ist abgelaufen. Bitten Sie den Errichter, sie erneut zu senden.',
  invitation_answered: INVITATION_ANSWERED,
  invitation_accepted: 'Diese Einladung wurde bereits angenommen.',
  invitation_declined: 'Diese Einladung wurde bereits abgelehnt.',
  invitation_cancelled: 'Diese Einladung wurde bereits abgebrochen.',
  application_not_found: 'Diesen Antrag gibt es nicht.',
  application_expired: 'Dieser Antrag ist abgelaufen.',
  application_answered: ALREADY_ANSWERED,
  application_agreed: 'Diesem Antrag wurde bereits zugestimmt.',
  application_rejected: 'Dieser Antrag wurde bereits abgelehnt.',
  application_cancelled: 'Dieser Antrag wurde bereits zurückgezogen.',
  application_superseded: 'Dieser Antrag wurde bereits durch einen neueren ersetzt.',
  application_outdated:
    'Das beantragte Ende ist bereits vorbei; lehnen Sie den Antrag ab und bitten Sie um einen neuen.',
  application_race:
    'Gerade wurde ein anderer Antrag für dieses Gerät gesendet; laden Sie neu und versuchen Sie es erneut.',
  duplicate_application: 'Dieser Antrag ist doppelt aufgeführt.',
  nothing_chosen: 'Wählen Sie mindestens einen Eintrag.',
  remark_too_long: 'Die Bemerkung darf höchstens 500 Zeichen haben.',

  // ---- transfers and claims ----
  transfer_pending: 'Eine Übertragung dieses Geräts wartet bereits auf Antwort. Brechen Sie sie zuerst ab.',
  transfer_not_found: 'Keine Übertragung dieses Geräts wartet auf Antwort.',
  transfer_closed: 'Diese Übertragung ist bereits abgeschlossen.',
  transfer_expired: 'Dieses Übertragungsangebot ist abgelaufen. Bitten Sie den Besitzer, es erneut zu senden.',
  transfer_stale: 'Das Gerät gehört nicht mehr der Person, die es angeboten hat.',
  transfer_to_self: 'Sie besitzen dieses Gerät bereits; wählen Sie ein anderes Konto.',
  claim_not_found: 'Diesen Anspruch gibt es nicht.',
  claim_closed: 'Über diesen Anspruch wurde bereits entschieden.',
  claim_exists: 'Sie haben bereits einen Anspruch auf dieses Gerät gestellt; siehe „Ansprüche“.',
  claim_device_changed: 'Dieses Gerät gehört Ihnen nicht mehr; es gibt nichts freizugeben.',
  claim_not_possible:
    'Dieses Gerät wird gerade von einem Errichter eingerichtet und kann erst nach der Übergabe beansprucht werden.',
  claim_owner_only: 'Nur der Besitzer des Geräts kann auf diesen Anspruch antworten.',
  claim_owner_time: 'Der Besitzer hat noch Zeit zu antworten; prüfen Sie den Anspruch danach.',
  claim_file_not_found: 'Diese Datei gibt es nicht.',
  too_many_claims: (p) => `Sie haben ${p.max ?? 'zu viele'} offene Ansprüche; warten Sie, bis darüber entschieden ist.`,
  message_missing: 'Sagen Sie in wenigen Worten, warum das Gerät Ihnen gehört.',
  message_too_long: (p) => `Die Nachricht muss kürzer als ${p.max ?? 'so'} Zeichen sein.`,
  label_photo_missing: 'Fügen Sie ein Foto des Etiketts am Gerät hinzu.',
  proof_missing: 'Fügen Sie einen Kaufnachweis hinzu (einen Beleg oder eine Rechnung).',
  file_empty: 'Eine Datei ist leer.',
  file_not_base64: 'Eine Datei ist kein gültiges Base64.',
  file_too_large: 'Eine Datei ist größer als 5 MB.',
  file_type_not_allowed: 'Eine Datei hat ein Format, das hier nicht angenommen wird (JPEG, PNG oder PDF).',
  files_too_large: 'Die Dateien sind zusammen größer als 12 MB.',
  too_many_files: (p) => `Senden Sie höchstens ${p.max ?? 'so viele'} Dateien.`,

  // ---- inbox, push, webhooks ----
  message_not_found: 'Diese Nachricht gibt es nicht.',
  push_endpoint_invalid: 'Der Endpunkt des Abonnements ist keine URL.',
  push_key_invalid: 'Ein Schlüssel des Abonnements hat nicht die richtige Länge.',
  push_subscription_not_found: 'Dieser Browser erhält keine Benachrichtigungen für Sie.',
  bad_url: 'Die URL ist nicht gültig; geben Sie eine vollständige https://-Adresse an.',
  target_refused: 'Webhooks können diese URL nicht ansprechen (sie zeigt in ein privates Netz).',
  too_many_endpoints: (p) => `Höchstens ${p.max ?? 'so viele'} Webhook-Endpunkte; löschen Sie zuerst einen.`,
  no_events: 'Wählen Sie mindestens ein Ereignis.',
  unknown_event: 'Unbekannter Ereignistyp.',
  endpoint_not_found: 'Diesen Webhook-Endpunkt gibt es nicht.',
  invalid_params: 'Die Parameter des Befehls sind nicht gültig.',

  // ---- the request itself ----
  validation: 'Die Eingabe ist nicht gültig.',
  not_finite: 'Eine Zahl muss endlich sein.',
  no_route: 'Diese Adresse gibt es nicht.',
  fst_err_ctp_body_too_large: 'Die Anfrage ist zu groß.',
  fst_err_ctp_invalid_media_type: 'Dieser Inhaltstyp wird nicht unterstützt; senden Sie application/json.',
  fst_err_ctp_empty_json_body: 'Der JSON-Inhalt ist leer.',
  fst_err_ctp_invalid_json_body: 'Der Inhalt ist kein gültiges JSON.',
  fst_err_max_param_length: 'Ein Teil der Adresse ist zu lang für eine ID.',
  fst_err_bad_url: 'Die Adresse ist keine gültige URL.',
};

/** The German words for a problem, or null when its code has none (it keeps its English detail). */
export function problemDe(code: string | undefined, params: ProblemParams): string | null {
  if (!code) return null;
  const words = PROBLEMS_DE[code];
  if (words === undefined) return null;
  return typeof words === 'string' ? words : words(params);
}
