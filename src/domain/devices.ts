// Device rules: what a device in the registry looks like, and the import file that brings devices in.
// Pure: every check throws `invalidInput(detail, code, field)`; nothing here touches the database.
import { AppError, invalidInput } from './errors.ts';

export const DEVICE_KINDS = ['camera', 'recorder', 'doorbell', 'alarm_hub'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/**
 * Words people write in vendor sheets for the same kinds. A Map, not an object: `__proto__` or `constructor`
 * typed into a sheet must not find Object.prototype's members.
 */
const KIND_ALIASES = new Map<string, DeviceKind>(
  Object.entries({
    camera: 'camera',
    ipc: 'camera',
    recorder: 'recorder',
    nvr: 'recorder',
    dvr: 'recorder',
    doorbell: 'doorbell',
    alarm_hub: 'alarm_hub',
    'alarm-hub': 'alarm_hub',
    alarmhub: 'alarm_hub',
  } satisfies Record<string, DeviceKind>),
);

/**
 * How many video channels each kind may have. A camera has one lens (up to 4 on multi-sensor models),
 * a doorbell one, an alarm hub one (its verification camera, up to 32 linked ones), a recorder 1..256.
 * `required` means the import must state the count; otherwise it defaults to 1.
 */
export const CHANNEL_LIMITS: Record<DeviceKind, { max: number; required: boolean }> = {
  camera: { max: 4, required: false },
  doorbell: { max: 1, required: false },
  alarm_hub: { max: 32, required: false },
  recorder: { max: 256, required: true },
};

export const SERIAL_PATTERN = /^[A-Z0-9](?:[A-Z0-9-]{2,30})[A-Z0-9]$/;
export const CODE_PATTERN = /^[A-Z0-9]{4,32}$/;
export const NAME_MAX = 64;
export const MODEL_MAX = 64;
export const FIRMWARE_MAX = 64;
export const MAX_CAPABILITIES = 32;
/** One import is one transaction; bigger registries are imported in several files. */
export const MAX_IMPORT_ROWS = 20_000;

export type CapabilityValue = boolean | number | string;
export type Capabilities = Record<string, CapabilityValue>;

/** A device as the registry stores it, after every rule has been applied. */
export interface DeviceRecord {
  serial: string;
  model: string;
  kind: DeviceKind;
  channelCount: number;
  /** Normalized (upper-cased); only its hash is ever stored. */
  verificationCode: string;
  /** Exactly `channelCount` names, defaults filled in. */
  channelNames: string[];
  capabilities: Capabilities;
  supportsSharing: boolean;
  firmwareVersion: string | null;
}

/** Serials are case-insensitive on labels, so they are stored upper-cased: 4-32 letters, digits or inner dashes. */
export function normalizeSerial(raw: string, field = 'serial'): string {
  const serial = raw.trim().toUpperCase();
  if (!SERIAL_PATTERN.test(serial)) {
    throw invalidInput(
      `"${clip(raw)}" is not a valid serial number: use 4 to 32 letters, digits or dashes.`,
      'invalid_serial',
      field,
    );
  }
  return serial;
}

/** Verification codes are printed on the label; people type them in either case, with stray spaces. */
export function normalizeVerificationCode(raw: string, field = 'verificationCode'): string {
  const code = raw.replace(/\s+/g, '').toUpperCase();
  if (!CODE_PATTERN.test(code)) {
    throw invalidInput(
      'The verification code must be 4 to 32 letters or digits, as printed on the device label.',
      'invalid_code',
      field,
    );
  }
  return code;
}

export function parseKind(raw: string, field = 'kind'): DeviceKind {
  const kind = KIND_ALIASES.get(raw.trim().toLowerCase());
  if (!kind)
    throw invalidInput(`"${clip(raw)}" is not a device kind (${DEVICE_KINDS.join(', ')}).`, 'invalid_kind', field);
  return kind;
}

export function checkChannelCount(kind: DeviceKind, count: number | null, field = 'channels'): number {
  const limits = CHANNEL_LIMITS[kind];
  if (count === null) {
    if (limits.required)
      throw invalidInput(
        `A ${kind} must state its number of channels (1 to ${limits.max}).`,
        'channel_count_required',
        field,
      ).with({ max: limits.max });
    return 1;
  }
  if (!Number.isInteger(count) || count < 1 || count > limits.max) {
    throw invalidInput(
      limits.max === 1
        ? `A ${kind} has exactly 1 channel.`
        : `A ${kind} has 1 to ${limits.max} channels, not ${count}.`,
      'invalid_channels',
      field,
    ).with({ max: limits.max, value: count });
  }
  return count;
}

export function defaultChannelName(number: number): string {
  return `Channel ${number}`;
}

// Control characters would break list layouts and logs; names are otherwise free text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkText(raw: string, what: string, max: number, field: string): string {
  const text = raw.trim();
  if (text.length === 0) throw invalidInput(`The ${what} must not be empty.`, 'text_empty', field);
  if (text.length > max)
    throw invalidInput(`The ${what} must have at most ${max} characters.`, 'text_too_long', field).with({ max });
  if (CONTROL.test(text))
    throw invalidInput(`The ${what} must not contain control characters.`, 'text_control_characters', field);
  return text;
}

export function checkDeviceName(raw: string, field = 'name'): string {
  return checkText(raw, 'device name', NAME_MAX, field);
}

export function checkChannelName(raw: string, field = 'name'): string {
  return checkText(raw, 'channel name', NAME_MAX, field);
}

export function checkModel(raw: string, field = 'model'): string {
  return checkText(raw, 'model', MODEL_MAX, field);
}

export function checkFirmware(raw: string | null | undefined, field = 'firmwareVersion'): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  return checkText(raw, 'firmware version', FIRMWARE_MAX, field);
}

/** Names for channels 1..count: the given ones (blank = default), padded with defaults. */
export function channelNamesFor(count: number, given: readonly string[], field = 'channelNames'): string[] {
  if (given.length > count)
    throw invalidInput(`${given.length} channel names given for ${count} channel(s).`, 'channel_names_count', field);
  const names: string[] = [];
  for (let n = 1; n <= count; n += 1) {
    const raw = given[n - 1];
    names.push(raw === undefined || raw.trim() === '' ? defaultChannelName(n) : checkChannelName(raw, `${field}.${n}`));
  }
  return names;
}

const CAPABILITY_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

function capabilityValue(raw: string): CapabilityValue {
  const v = raw.trim();
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  if (/^-?\d{1,15}$/.test(v)) return Number(v);
  return v;
}

/**
 * Capability flags from the import's text form `supportsSharing=false;ptz=true`. A bare key means true.
 * `supportsSharing` is always present and defaults to true (devices may be shared unless they say otherwise).
 */
export function parseCapabilities(text: string, field = 'capabilities'): Capabilities {
  const entries: Array<[string, CapabilityValue]> = [];
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    const value = eq === -1 ? true : capabilityValue(part.slice(eq + 1));
    entries.push([key, value]);
  }
  return checkCapabilities(entries, field);
}

/** The same rules for capabilities given as a JSON object. */
export function checkCapabilities(entries: Iterable<[string, unknown]>, field = 'capabilities'): Capabilities {
  const caps: Capabilities = { supportsSharing: true };
  const seen = new Set<string>();
  for (const [key, value] of entries) {
    if (!CAPABILITY_KEY.test(key))
      throw invalidInput(
        `"${clip(key)}" is not a capability name (letters, digits, underscores).`,
        'invalid_capability',
        field,
      ).with({ value: clip(key) });
    if (seen.has(key))
      throw invalidInput(`The capability "${key}" is given twice.`, 'duplicate_capability', field).with({ value: key });
    seen.add(key);
    if (typeof value === 'string') {
      if (value.length === 0 || value.length > 64 || CONTROL.test(value))
        throw invalidInput(`The capability "${key}" has a bad value.`, 'invalid_capability_value', field).with({
          value: key,
        });
    } else if (typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw invalidInput(
        `The capability "${key}" must be true, false, a number or a short text.`,
        'invalid_capability_value',
        field,
      ).with({ value: key });
    }
    if (key === 'supportsSharing' && typeof value !== 'boolean')
      throw invalidInput('supportsSharing must be true or false.', 'invalid_supports_sharing', field);
    caps[key] = value as CapabilityValue;
  }
  if (seen.size > MAX_CAPABILITIES)
    throw invalidInput(`At most ${MAX_CAPABILITIES} capabilities.`, 'too_many_capabilities', field).with({
      max: MAX_CAPABILITIES,
    });
  return caps;
}

/** One device as written by a person: CSV cells or JSON fields, not yet checked. */
export interface RawDeviceInput {
  serial: string;
  model: string;
  kind: string;
  channels: number | string | null;
  verificationCode: string;
  channelNames: readonly string[] | string | null;
  capabilities: Capabilities | string | null;
  firmwareVersion: string | null;
}

/** Where an input came from, for error messages: `Line 3` + field `line 3.kind`, or `Device 2` + `devices.1.kind`. */
export interface InputPlace {
  label: string;
  fieldPrefix: string;
  /** Field names as the source spells them (CSV columns vs JSON properties). */
  names: Record<keyof RawDeviceInput, string>;
}

export function checkDeviceInput(raw: RawDeviceInput, place: InputPlace): DeviceRecord {
  const f = (k: keyof RawDeviceInput) => place.fieldPrefix + place.names[k];
  return located(place, () => {
    const serial = normalizeSerial(raw.serial, f('serial'));
    const model = checkModel(raw.model, f('model'));
    const kind = parseKind(raw.kind, f('kind'));
    let count: number | null;
    if (raw.channels === null || (typeof raw.channels === 'string' && raw.channels.trim() === '')) count = null;
    else if (typeof raw.channels === 'number') count = raw.channels;
    else if (/^\s*\d{1,4}\s*$/.test(raw.channels)) count = Number(raw.channels);
    else
      throw invalidInput(
        `"${clip(raw.channels)}" is not a number of channels.`,
        'invalid_channel_count',
        f('channels'),
      ).with({ value: clip(raw.channels) });
    const channelCount = checkChannelCount(kind, count, f('channels'));
    const verificationCode = normalizeVerificationCode(raw.verificationCode, f('verificationCode'));
    const givenNames =
      raw.channelNames === null
        ? []
        : typeof raw.channelNames === 'string'
          ? raw.channelNames.trim() === ''
            ? []
            : raw.channelNames.split('|')
          : raw.channelNames;
    const channelNames = channelNamesFor(channelCount, givenNames, f('channelNames'));
    const capabilities =
      raw.capabilities === null
        ? { supportsSharing: true }
        : typeof raw.capabilities === 'string'
          ? parseCapabilities(raw.capabilities, f('capabilities'))
          : checkCapabilities(Object.entries(raw.capabilities), f('capabilities'));
    const firmwareVersion = checkFirmware(raw.firmwareVersion, f('firmwareVersion'));
    return {
      serial,
      model,
      kind,
      channelCount,
      verificationCode,
      channelNames,
      capabilities,
      supportsSharing: capabilities.supportsSharing !== false,
      firmwareVersion,
    };
  });
}

/** Runs a check and prefixes any complaint with where the input came from. */
function located<T>(place: InputPlace, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof AppError && err.kind === 'invalid')
      throw invalidInput(`${place.label}: ${err.detail}`, err.code, err.field);
    throw err;
  }
}

/** Two rows for one serial in one import is a mistake in the file, whichever one was meant. */
export function checkUniqueSerials(records: ReadonlyArray<{ record: DeviceRecord; place: InputPlace }>): void {
  const first = new Map<string, string>();
  for (const { record, place } of records) {
    const earlier = first.get(record.serial);
    if (earlier)
      throw invalidInput(
        `${place.label}: the serial ${record.serial} already appears at ${earlier.toLowerCase()}.`,
        'duplicate_serial',
        place.fieldPrefix + place.names.serial,
      );
    first.set(record.serial, place.label);
  }
}

// ---- the CSV import file ----

export const CSV_COLUMNS = [
  'serial',
  'model',
  'kind',
  'channels',
  'verification_code',
  'channel_names',
  'capabilities',
  'firmware_version',
] as const;
const REQUIRED_COLUMNS = ['serial', 'model', 'kind', 'verification_code'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

const CSV_NAMES: InputPlace['names'] = {
  serial: 'serial',
  model: 'model',
  kind: 'kind',
  channels: 'channels',
  verificationCode: 'verification_code',
  channelNames: 'channel_names',
  capabilities: 'capabilities',
  firmwareVersion: 'firmware_version',
};

export const JSON_NAMES: InputPlace['names'] = {
  serial: 'serial',
  model: 'model',
  kind: 'kind',
  channels: 'channels',
  verificationCode: 'verificationCode',
  channelNames: 'channelNames',
  capabilities: 'capabilities',
  firmwareVersion: 'firmwareVersion',
};

export function csvPlace(line: number): InputPlace {
  return { label: `Line ${line}`, fieldPrefix: `line ${line}.`, names: CSV_NAMES };
}

export function jsonPlace(index: number): InputPlace {
  return { label: `Device ${index + 1}`, fieldPrefix: `devices.${index}.`, names: JSON_NAMES };
}

export interface CsvRow {
  /** 1-based line number where the record starts in the file. */
  line: number;
  cells: string[];
}

/**
 * RFC 4180 CSV: comma-separated, fields may be double-quoted (with "" for a quote, and commas or
 * line breaks inside), LF or CRLF line ends, an optional BOM. Blank lines are skipped.
 */
export function parseCsv(text: string): CsvRow[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let atRowEnd = false;
    while (!atRowEnd) {
      if (src[i] === '"') {
        i += 1;
        for (;;) {
          if (i >= src.length)
            throw invalidInput(`Line ${startLine}: a quoted field is not closed.`, 'csv_syntax', `line ${startLine}`);
          const ch = src[i]!;
          if (ch === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (ch === '\n') line += 1;
          cell += ch;
          i += 1;
        }
        const next = src[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw invalidInput(`Line ${line}: unexpected text after a closing quote.`, 'csv_syntax', `line ${line}`);
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          if (src[i] === '"')
            throw invalidInput(
              `Line ${line}: a quote inside an unquoted field (quote the whole field and double the quote).`,
              'csv_syntax',
              `line ${line}`,
            );
          cell += src[i];
          i += 1;
        }
      }
      cells.push(cell);
      cell = '';
      const sep = src[i];
      if (sep === ',') {
        i += 1;
      } else {
        if (sep === '\r') i += 1;
        if (src[i] === '\n') i += 1;
        line += 1;
        atRowEnd = true;
      }
    }
    if (!(cells.length === 1 && cells[0]!.trim() === '')) rows.push({ line: startLine, cells });
  }
  return rows;
}

/** The import file: a header row naming the columns (any order), then one device per line. */
export function parseDeviceCsv(text: string): Array<{ record: DeviceRecord; place: InputPlace }> {
  const rows = parseCsv(text);
  const header = rows.shift();
  if (!header)
    throw invalidInput(
      `The file is empty; the first line must name the columns: ${CSV_COLUMNS.join(',')}.`,
      'csv_header',
      'line 1',
    );
  const index = new Map<CsvColumn, number>();
  header.cells.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      throw invalidInput(
        `Line ${header.line}: "${clip(raw)}" is not a known column (${CSV_COLUMNS.join(', ')}).`,
        'csv_header',
        `line ${header.line}`,
      );
    }
    if (index.has(name as CsvColumn))
      throw invalidInput(
        `Line ${header.line}: the column "${name}" appears twice.`,
        'csv_header',
        `line ${header.line}`,
      );
    index.set(name as CsvColumn, i);
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!index.has(required))
      throw invalidInput(
        `Line ${header.line}: the column "${required}" is missing.`,
        'csv_header',
        `line ${header.line}`,
      );
  }
  if (rows.length === 0)
    throw invalidInput('The file has no devices after the header line.', 'csv_empty', `line ${header.line + 1}`);
  if (rows.length > MAX_IMPORT_ROWS)
    throw invalidInput(
      `At most ${MAX_IMPORT_ROWS} devices per file; split it.`,
      'csv_too_long',
      `line ${rows[MAX_IMPORT_ROWS]!.line}`,
    );

  const out = rows.map((row) => {
    const place = csvPlace(row.line);
    if (row.cells.length !== header.cells.length) {
      throw invalidInput(
        `Line ${row.line}: ${row.cells.length} fields, but the header has ${header.cells.length}.`,
        'csv_syntax',
        `line ${row.line}`,
      );
    }
    const cell = (c: CsvColumn): string | null => {
      const i = index.get(c);
      return i === undefined ? null : row.cells[i]!;
    };
    const record = checkDeviceInput(
      {
        serial: cell('serial') ?? '',
        model: cell('model') ?? '',
        kind: cell('kind') ?? '',
        channels: cell('channels'),
        verificationCode: cell('verification_code') ?? '',
        channelNames: cell('channel_names'),
        capabilities: cell('capabilities'),
        firmwareVersion: cell('firmware_version'),
      },
      place,
    );
    return { record, place };
  });
  checkUniqueSerials(out);
  return out;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
