// Installer permissions, each with its own validity: permanent, the Hik-ProConnect presets (1 h, 2 h, 4 h, 8 h)
// or until a chosen time. Used by the Authorization Service, the handover invite and the application forms.
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { PERMISSION_NAMES, description, label } from '../lib/permissions.ts';
import { fromLocalInput } from '../lib/format.ts';

const VALIDITY_VALUES = ['permanent', '1h', '2h', '4h', '8h', 'until'] as const;

/** The validity choices with their words in the app's language: [value, words]. */
export function validityChoices(): Array<[string, string]> {
  return VALIDITY_VALUES.map((v) => [v, i18next.t(`validity.${v}`)]);
}

export interface PermissionChoice {
  on: boolean;
  validity: string;
  until: string;
}

export type PermissionChoices = Record<string, PermissionChoice>;

/** The installer area's usual three, first: Live View, Playback, Configuration. */
export const INSTALLER_PERMISSIONS = [
  'live_view',
  'playback',
  'configuration',
  ...PERMISSION_NAMES.filter((p) => !['live_view', 'playback', 'configuration'].includes(p)),
];

export function choicesFrom(on: string[], validity = 'permanent'): PermissionChoices {
  return Object.fromEntries(INSTALLER_PERMISSIONS.map((p) => [p, { on: on.includes(p), validity, until: '' }]));
}

export function choicesProblem(c: PermissionChoices): string | null {
  for (const [p, v] of Object.entries(c)) {
    if (!v.on || v.validity !== 'until') continue;
    const until = fromLocalInput(v.until);
    if (until === null) return i18next.t('validity.chooseEnd', { permission: label(p) });
    if (until <= Date.now()) return i18next.t('validity.endInPast', { permission: label(p) });
  }
  return null;
}

export function choicesBody(
  c: PermissionChoices,
): Array<{ permission: string; validity: string; until?: number | null }> {
  return INSTALLER_PERMISSIONS.filter((p) => c[p]?.on).map((p) => {
    const v = c[p]!;
    return v.validity === 'until'
      ? { permission: p, validity: 'until', until: fromLocalInput(v.until) }
      : { permission: p, validity: v.validity };
  });
}

export function InstallerPermissionPicker({
  value,
  onChange,
  legend,
  perPermissionValidity = true,
}: {
  value: PermissionChoices;
  onChange(next: PermissionChoices): void;
  legend?: string;
  perPermissionValidity?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{legend ?? t('validity.permissions')}</legend>
      {INSTALLER_PERMISSIONS.map((p) => {
        const v = value[p] ?? { on: false, validity: 'permanent', until: '' };
        const set = (patch: Partial<PermissionChoice>) => onChange({ ...value, [p]: { ...v, ...patch } });
        return (
          <div key={p} className="check perm-row">
            <label className="grow check-inline">
              <input type="checkbox" checked={v.on} onChange={(e) => set({ on: e.target.checked })} />
              <span>
                {label(p)}
                <span className="hint">{description(p)}</span>
              </span>
            </label>
            {perPermissionValidity && v.on ? (
              <span className="perm-validity">
                <select
                  aria-label={t('validity.of', { permission: label(p) })}
                  value={v.validity}
                  onChange={(e) => set({ validity: e.target.value })}
                >
                  {validityChoices().map(([value, text]) => (
                    <option key={value} value={value}>
                      {text}
                    </option>
                  ))}
                </select>
                {v.validity === 'until' ? (
                  <input
                    aria-label={t('validity.endOf', { permission: label(p) })}
                    type="datetime-local"
                    value={v.until}
                    onChange={(e) => set({ until: e.target.value })}
                  />
                ) : null}
              </span>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}
