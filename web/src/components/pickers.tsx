// The choosers shared by the Share Device, Share Devices, Authorization Service and installer screens.
import { useId } from 'react';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { PERMISSION_NAMES, REQUIRED_SHARE_PERMISSION, description, label } from '../lib/permissions.ts';
import { fromLocalInput, toLocalInput, weekdayNames } from '../lib/format.ts';

/** Checkboxes over the permission catalog; `locked` ones are always on ("Play Video is required"). */
export function PermissionPicker({
  value,
  onChange,
  locked = [REQUIRED_SHARE_PERMISSION],
  only,
  legend,
  error,
}: {
  value: string[];
  onChange(next: string[]): void;
  locked?: string[];
  only?: readonly string[];
  legend?: string;
  error?: string | null;
}) {
  const { t } = useTranslation();
  const names = only ?? PERMISSION_NAMES;
  const toggle = (p: string, on: boolean) => {
    const set = new Set(value);
    if (on) set.add(p);
    else set.delete(p);
    onChange(names.filter((n) => set.has(n) || locked.includes(n)));
  };
  return (
    <fieldset aria-invalid={error ? true : undefined}>
      <legend>{legend ?? t('share.permissions')}</legend>
      {names.map((p) => {
        const isLocked = locked.includes(p);
        const info = description(p);
        return (
          <label key={p} className={isLocked ? 'check locked' : 'check'}>
            <input
              type="checkbox"
              checked={isLocked || value.includes(p)}
              disabled={isLocked}
              onChange={(e) => toggle(p, e.target.checked)}
            />
            <span className="grow">
              {label(p)}
              {p === REQUIRED_SHARE_PERMISSION && isLocked ? (
                <span className="muted small"> {t('share.required')}</span>
              ) : null}
              {info ? <span className="hint">{info}</span> : null}
            </span>
          </label>
        );
      })}
      {error ? <small className="field-error">{error}</small> : null}
    </fieldset>
  );
}

export type Scope = 'device' | 'channels';

export function ScopePicker({ value, onChange }: { value: Scope; onChange(next: Scope): void }) {
  const name = useId();
  const { t } = useTranslation();
  return (
    <div className="segmented" role="radiogroup" aria-label={t('share.what')}>
      <label>
        <input type="radio" name={name} checked={value === 'device'} onChange={() => onChange('device')} />
        {t('share.wholeDevice')}
      </label>
      <label>
        <input type="radio" name={name} checked={value === 'channels'} onChange={() => onChange('channels')} />
        {t('share.specificChannels')}
      </label>
    </div>
  );
}

export function ChannelPicker({
  channels,
  value,
  onChange,
  error,
}: {
  channels: Array<{ number: number; name: string }>;
  value: number[];
  onChange(next: number[]): void;
  error?: string | null;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className={channels.length > 4 ? 'channel-grid' : undefined}>
      <legend>{t('share.channels')}</legend>
      {channels.map((c) => (
        <label key={c.number} className="check">
          <input
            type="checkbox"
            checked={value.includes(c.number)}
            onChange={(e) =>
              onChange(
                e.target.checked ? [...value, c.number].sort((a, b) => a - b) : value.filter((n) => n !== c.number),
              )
            }
          />
          <span className="grow">
            {c.name} {/* "Channel 3 (channel 3)" says it twice: the number only where the name does not end in it. */}
            {new RegExp(`\\b${c.number}$`).test(c.name) ? null : (
              <span className="muted small">{t('share.channelNumber', { number: c.number })}</span>
            )}
          </span>
        </label>
      ))}
      {error ? <small className="field-error">{error}</small> : null}
    </fieldset>
  );
}

export interface ValidityState {
  mode: 'permanent' | 'until' | 'schedule';
  until: string;
  days: number[];
  from: string;
  to: string;
}

export const PERMANENT: ValidityState = {
  mode: 'permanent',
  until: '',
  days: [1, 2, 3, 4, 5],
  from: '08:00',
  to: '18:00',
};

/** Why the chosen validity cannot be sent, or null. */
export function validityProblem(v: ValidityState, now = Date.now()): string | null {
  if (v.mode === 'permanent') return null;
  const until = fromLocalInput(v.until);
  if (v.mode === 'until' && until === null) return i18next.t('share.untilMissing');
  if (until !== null && until <= now) return i18next.t('share.untilPast');
  if (v.mode === 'schedule') {
    if (v.days.length === 0) return i18next.t('share.noDays');
    if (!/^\d\d:\d\d$/.test(v.from) || !/^\d\d:\d\d$/.test(v.to)) return i18next.t('share.hoursFormat');
    if (v.from === v.to) return i18next.t('share.hoursSame');
  }
  return null;
}

/** The API's validity object (null = permanent). */
export function validityBody(v: ValidityState): {
  until?: number | null;
  schedule?: { windows: Array<{ days: number[]; from: string; to: string }> } | null;
} | null {
  if (v.mode === 'permanent') return null;
  const until = fromLocalInput(v.until);
  if (v.mode === 'until') return { until };
  return { until, schedule: { windows: [{ days: [...v.days].sort(), from: v.from, to: v.to }] } };
}

export function validityFromApi(
  v:
    | { until: number | null; schedule: { windows: Array<{ days: number[]; from: string; to: string }> } | null }
    | null
    | undefined,
): ValidityState {
  if (!v) return PERMANENT;
  const w = v.schedule?.windows[0];
  if (w) return { mode: 'schedule', until: toLocalInput(v.until), days: w.days, from: w.from, to: w.to };
  if (v.until) return { ...PERMANENT, mode: 'until', until: toLocalInput(v.until) };
  return PERMANENT;
}

// DAYS is Monday-first for display; the API numbers days 0 = Sunday … 6 = Saturday.
const DAY_NUMBERS = [1, 2, 3, 4, 5, 6, 0];

export function ValidityPicker({
  value,
  onChange,
  error,
  legend,
}: {
  value: ValidityState;
  onChange(next: ValidityState): void;
  error?: string | null;
  legend?: string;
}) {
  const name = useId();
  const id = useId();
  const { t } = useTranslation();
  const title = legend ?? t('share.validity');
  return (
    <fieldset>
      <legend>{title}</legend>
      <div className="segmented" role="radiogroup" aria-label={title}>
        {(
          [
            ['permanent', t('time.permanent')],
            ['until', t('share.untilDate')],
            ['schedule', t('share.weekly')],
          ] as const
        ).map(([mode, text]) => (
          <label key={mode}>
            <input
              type="radio"
              name={name}
              checked={value.mode === mode}
              onChange={() => onChange({ ...value, mode })}
            />
            {text}
          </label>
        ))}
      </div>
      {value.mode !== 'permanent' ? (
        <div className="field">
          <label htmlFor={`${id}-until`}>{value.mode === 'until' ? t('share.ends') : t('share.endsOptional')}</label>
          <input
            id={`${id}-until`}
            type="datetime-local"
            value={value.until}
            onChange={(e) => onChange({ ...value, until: e.target.value })}
          />
        </div>
      ) : null}
      {value.mode === 'schedule' ? (
        <>
          <div className="field">
            <span className="label" id={`${id}-days`}>
              {t('share.days')}
            </span>
            <div className="days" role="group" aria-labelledby={`${id}-days`}>
              {weekdayNames().map((d, i) => {
                const n = DAY_NUMBERS[i]!;
                return (
                  <label key={d}>
                    <input
                      type="checkbox"
                      checked={value.days.includes(n)}
                      onChange={(e) =>
                        onChange({
                          ...value,
                          days: e.target.checked ? [...value.days, n] : value.days.filter((x) => x !== n),
                        })
                      }
                    />
                    {d}
                  </label>
                );
              })}
            </div>
          </div>
          <div className="grid2">
            <div className="field">
              <label htmlFor={`${id}-from`}>{t('share.from')}</label>
              <input
                id={`${id}-from`}
                type="time"
                value={value.from}
                onChange={(e) => onChange({ ...value, from: e.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-to`}>{t('share.to')}</label>
              <input
                id={`${id}-to`}
                type="time"
                value={value.to}
                onChange={(e) => onChange({ ...value, to: e.target.value })}
              />
            </div>
          </div>
          <small className="hint">
            {t('share.timeZone', { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })}
          </small>
        </>
      ) : null}
      {error ? <small className="field-error">{error}</small> : null}
    </fieldset>
  );
}
