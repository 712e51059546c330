// What a change does to who may do what: the access a device's facts give each person or organization (the
// same facts and rules the decision uses), the difference between two sets of facts, and that difference in
// sentences. Pure: the preview service (src/services/previews.ts) loads the facts before and after a change.
// Documented in docs/access-decision.md ("Change previews").
import type { DeviceFacts, Grant } from './access.ts';
import { isDeviceLevel, PERMISSION_NAMES, type Permission } from './permissions.ts';
import type { Validity } from './validity.ts';

export interface SubjectRef {
  type: 'account' | 'org';
  id: string;
}

/** When a grant allows, as plain data (a schedule is compared by its windows, not by its compiled form). */
export interface ValidityView {
  from: number | null;
  until: number | null;
  scheduled: boolean;
}

/** What one subject may do on one device: per permission, the channels (null: device-level) and when. */
interface SubjectAccess {
  subject: SubjectRef;
  roles: Set<Role>;
  permissions: Map<Permission, { channels: Set<number> | null; validity: Map<string, ValidityView> }>;
}

/** How a subject relates to a device beyond its grants. */
export type Role = 'owner' | 'holder';

export interface AccessDelta {
  deviceId: string;
  subject: SubjectRef;
  /** gains / loses: permissions on channels appear or disappear; changes: the same, at other times. */
  change: 'gains' | 'loses' | 'changes' | 'becomes_owner' | 'stops_owning' | 'becomes_holder' | 'stops_holding';
  permissions: Permission[];
  /** The channels concerned; 'all' when they are every channel of the device; null for device-level permissions. */
  channels: number[] | 'all' | null;
  validityBefore?: ValidityView[];
  validityAfter?: ValidityView[];
}

const key = (s: SubjectRef) => `${s.type}:${s.id}`;

function validityOf(v: Validity): ValidityView {
  return { from: v.from, until: v.until, scheduled: v.schedule !== null };
}

function validityKey(v: Validity): string {
  return `${v.from ?? ''}|${v.until ?? ''}|${v.schedule ? `${v.schedule.timeZone}${JSON.stringify(v.schedule.spec)}` : ''}`;
}

function channelsOf(g: Grant, channelCount: number): number[] {
  if (g.channels !== 'all') return g.channels.filter((c) => c >= 1 && c <= channelCount);
  return Array.from({ length: channelCount }, (_, i) => i + 1);
}

/**
 * Everyone's access to one device as the decision sees it: the owner and the holding organization may do
 * everything on every channel; each grant adds its permissions on its channels with its validity. Grants that
 * can no longer allow anything (ended before `at`) are left out: removing one changes nothing anyone can do.
 */
export function accessOf(facts: DeviceFacts | null, at: number): Map<string, SubjectAccess> {
  const out = new Map<string, SubjectAccess>();
  if (!facts) return out;
  const all = Array.from({ length: facts.channelCount }, (_, i) => i + 1);
  const entry = (subject: SubjectRef): SubjectAccess => {
    let e = out.get(key(subject));
    if (!e) {
      e = { subject, roles: new Set(), permissions: new Map() };
      out.set(key(subject), e);
    }
    return e;
  };
  const add = (e: SubjectAccess, p: Permission, channels: readonly number[], v: Validity) => {
    let slot = e.permissions.get(p);
    if (!slot) {
      slot = { channels: isDeviceLevel(p) ? null : new Set(), validity: new Map() };
      e.permissions.set(p, slot);
    }
    if (slot.channels) for (const c of channels) slot.channels.add(c);
    slot.validity.set(validityKey(v), validityOf(v));
  };
  const everything = (e: SubjectAccess) => {
    for (const p of PERMISSION_NAMES) add(e, p, all, { from: null, until: null, schedule: null });
  };
  if (facts.ownerAccountId) {
    const e = entry({ type: 'account', id: facts.ownerAccountId });
    e.roles.add('owner');
    everything(e);
  }
  if (facts.holderOrgId) {
    const e = entry({ type: 'org', id: facts.holderOrgId });
    e.roles.add('holder');
    everything(e);
  }
  for (const g of facts.grants) {
    const e = entry({ type: g.subject.type, id: g.subject.id });
    for (const gp of g.permissions) {
      const v = gp.validity ?? g.validity;
      if (v.until !== null && v.until <= at) continue;
      // A device-level permission needs the whole device, as in the decision.
      if (isDeviceLevel(gp.permission) && g.channels !== 'all') continue;
      add(e, gp.permission, channelsOf(g, facts.channelCount), v);
    }
  }
  // Someone whose grants allow nothing any more has no access to show.
  for (const [k, e] of out) if (e.roles.size === 0 && e.permissions.size === 0) out.delete(k);
  return out;
}

function sorted(set: Iterable<number>): number[] {
  return [...set].sort((a, b) => a - b);
}

function validityList(m: Map<string, ValidityView> | undefined): ValidityView[] {
  if (!m) return [];
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * What changes between two sets of facts of the same device, per subject: roles gained and lost, and per
 * permission the channels gained and lost or the times changed. Lines with the same change and the same channels
 * are merged (one line per subject, change and set of channels).
 */
export function diffAccess(
  deviceId: string,
  before: DeviceFacts | null,
  after: DeviceFacts | null,
  at: number,
): AccessDelta[] {
  const a = accessOf(before, at);
  const b = accessOf(after, at);
  const channelCount = after?.channelCount ?? before?.channelCount ?? 0;
  const out: AccessDelta[] = [];
  const subjects = new Map<string, SubjectRef>();
  for (const [k, e] of a) subjects.set(k, e.subject);
  for (const [k, e] of b) subjects.set(k, e.subject);
  for (const [k, subject] of [...subjects].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const was = a.get(k);
    const is = b.get(k);
    const lines = new Map<string, AccessDelta>();
    const push = (change: AccessDelta['change'], p: Permission | null, channels: number[] | null, extra = {}) => {
      const ch = channels === null ? null : channels.length === channelCount && channelCount > 0 ? 'all' : channels;
      const lineKey = `${change}|${JSON.stringify(ch)}|${JSON.stringify(extra)}`;
      let line = lines.get(lineKey);
      if (!line) {
        line = { deviceId, subject, change, permissions: [], channels: ch, ...extra };
        lines.set(lineKey, line);
      }
      if (p) line.permissions.push(p);
    };
    for (const role of ['owner', 'holder'] as const) {
      const had = was?.roles.has(role) ?? false;
      const has = is?.roles.has(role) ?? false;
      if (had !== has) {
        push(
          role === 'owner' ? (has ? 'becomes_owner' : 'stops_owning') : has ? 'becomes_holder' : 'stops_holding',
          null,
          null,
        );
      }
    }
    // Becoming the owner or holder from nothing (or ceasing to be one, keeping nothing) says it all; someone who
    // stops holding but keeps some permissions is told which ones go.
    const gainsAll = (is?.roles.size ?? 0) > 0 && !was;
    const losesAll = (was?.roles.size ?? 0) > 0 && !is;
    for (const p of PERMISSION_NAMES) {
      const x = was?.permissions.get(p);
      const y = is?.permissions.get(p);
      if (!x && !y) continue;
      if (isDeviceLevel(p)) {
        if (!x && y && !gainsAll) push('gains', p, null);
        else if (x && !y && !losesAll) push('loses', p, null);
      } else {
        const xs = x?.channels ?? new Set<number>();
        const ys = y?.channels ?? new Set<number>();
        const gained = sorted([...ys].filter((c) => !xs.has(c)));
        const lost = sorted([...xs].filter((c) => !ys.has(c)));
        if (gained.length > 0 && !gainsAll) push('gains', p, gained);
        if (lost.length > 0 && !losesAll) push('loses', p, lost);
      }
      if (x && y) {
        const vb = validityList(x.validity);
        const va = validityList(y.validity);
        if (JSON.stringify(vb) !== JSON.stringify(va)) {
          const kept = x.channels && y.channels ? sorted([...y.channels].filter((c) => x.channels!.has(c))) : null;
          if (kept === null || kept.length > 0) push('changes', p, kept, { validityBefore: vb, validityAfter: va });
        }
      }
    }
    out.push(...lines.values());
  }
  return out;
}

// ---- in words ----------------------------------------------------------------------------------------------

export type PreviewLanguage = 'en' | 'de';

const LABELS: Record<PreviewLanguage, Record<Permission, string>> = {
  en: {
    live_view: 'Live View',
    playback: 'Playback',
    two_way_audio: 'Two-way Audio',
    ptz: 'PTZ Control',
    alarm_notifications: 'Alarm Notifications',
    download: 'Download',
    configuration: 'Configuration',
  },
  de: {
    live_view: 'Live-Ansicht',
    playback: 'Wiedergabe',
    two_way_audio: 'Gegensprechen',
    ptz: 'PTZ-Steuerung',
    alarm_notifications: 'Alarmbenachrichtigungen',
    download: 'Download',
    configuration: 'Konfiguration',
  },
};

export interface SentenceContext {
  language: PreviewLanguage;
  timeZone: string;
  /** Display name of a subject (an account's name, an organization's name). */
  nameOf(subject: SubjectRef): string;
  /** The device's name and its channels' names. */
  deviceName(deviceId: string): string;
  channelName(deviceId: string, channel: number): string;
  /** Whether the subject is the person reading (then "You gain", "Sie erhalten"). */
  isReader?(subject: SubjectRef): boolean;
}

function list(items: string[], language: PreviewLanguage): string {
  if (items.length <= 1) return items.join('');
  const and = language === 'de' ? 'und' : 'and';
  return `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}

function when(t: number, c: SentenceContext): string {
  try {
    return new Intl.DateTimeFormat(c.language === 'de' ? 'de-DE' : 'en-GB', {
      timeZone: c.timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(t));
  } catch {
    return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
}

function validityWords(vs: ValidityView[] | undefined, c: SentenceContext): string {
  const de = c.language === 'de';
  if (!vs || vs.length === 0) return de ? 'nie' : 'never';
  return list(
    vs.map((v) => {
      const parts: string[] = [];
      if (v.from !== null) parts.push(de ? `ab ${when(v.from, c)}` : `from ${when(v.from, c)}`);
      if (v.until !== null) parts.push(de ? `bis ${when(v.until, c)}` : `until ${when(v.until, c)}`);
      if (v.scheduled) parts.push(de ? 'nach Zeitplan' : 'on a schedule');
      return parts.length === 0 ? (de ? 'unbefristet' : 'without an end') : parts.join(' ');
    }),
    c.language,
  );
}

function where(d: AccessDelta, c: SentenceContext): string {
  const device = `"${c.deviceName(d.deviceId)}"`;
  const de = c.language === 'de';
  if (d.channels === null || d.channels === 'all') return de ? `auf ${device}` : `on ${device}`;
  const names = d.channels.map((n) => `"${c.channelName(d.deviceId, n)}"`);
  return de ? `auf ${list(names, 'de')} von ${device}` : `on ${list(names, 'en')} of ${device}`;
}

/** One sentence per change, in the language asked for. */
export function sentenceOf(d: AccessDelta, c: SentenceContext): string {
  const who = c.nameOf(d.subject);
  const you = c.isReader?.(d.subject) ?? false;
  const device = `"${c.deviceName(d.deviceId)}"`;
  const perms = list(
    d.permissions.map((p) => LABELS[c.language][p]),
    c.language,
  );
  if (c.language === 'de') {
    switch (d.change) {
      case 'becomes_owner':
        return `${who} ${you ? 'werden' : 'wird'} Eigentümer von ${device}.`;
      case 'stops_owning':
        return `${who} ${you ? 'sind' : 'ist'} nicht mehr Eigentümer von ${device}.`;
      case 'becomes_holder':
        return `${who} verwaltet ${device} als Errichter.`;
      case 'stops_holding':
        return `${who} verwaltet ${device} nicht mehr als Errichter.`;
      case 'gains':
        return `${who} ${you ? 'erhalten' : 'erhält'} ${perms} ${where(d, c)}.`;
      case 'loses':
        return `${who} ${you ? 'verlieren' : 'verliert'} ${perms} ${where(d, c)}.`;
      case 'changes':
        return `${who}: ${perms} ${where(d, c)} gilt künftig ${validityWords(d.validityAfter, c)} (bisher ${validityWords(d.validityBefore, c)}).`;
    }
  }
  switch (d.change) {
    case 'becomes_owner':
      return `${who} ${you ? 'become' : 'becomes'} the owner of ${device}.`;
    case 'stops_owning':
      return `${who} ${you ? 'are' : 'is'} no longer the owner of ${device}.`;
    case 'becomes_holder':
      return `${who} holds ${device} as its installer.`;
    case 'stops_holding':
      return `${who} no longer holds ${device} as its installer.`;
    case 'gains':
      return `${who} ${you ? 'gain' : 'gains'} ${perms} ${where(d, c)}.`;
    case 'loses':
      return `${who} ${you ? 'lose' : 'loses'} ${perms} ${where(d, c)}.`;
    case 'changes':
      return `${who} ${you ? 'keep' : 'keeps'} ${perms} ${where(d, c)}, now ${validityWords(d.validityAfter, c)} (was ${validityWords(d.validityBefore, c)}).`;
  }
}

/** The sentence for a change that gives or takes nothing. */
export function nothingChanges(language: PreviewLanguage): string {
  return language === 'de' ? 'Niemand erhält oder verliert Zugriff.' : 'Nobody gains or loses access.';
}
