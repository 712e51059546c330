// Installer permissions, each with its own validity: permanent, the Hik-ProConnect presets (1 h, 2 h, 4 h, 8 h)
// or until a chosen time. Used by the Authorization Service, the handover invite and the application forms.
import { PERMISSIONS, PERMISSION_NAMES, label } from '../lib/permissions.ts';
import { fromLocalInput } from '../lib/format.ts';

export const VALIDITY_CHOICES = [
  ['permanent', 'Permanent'],
  ['1h', '1 hour'],
  ['2h', '2 hours'],
  ['4h', '4 hours'],
  ['8h', '8 hours'],
  ['until', 'Until…'],
] as const;

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
    if (until === null) return `Choose when ${label(p)} ends.`;
    if (until <= Date.now()) return `The end of ${label(p)} must be in the future.`;
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
  legend = 'Permissions',
  perPermissionValidity = true,
}: {
  value: PermissionChoices;
  onChange(next: PermissionChoices): void;
  legend?: string;
  perPermissionValidity?: boolean;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {INSTALLER_PERMISSIONS.map((p) => {
        const v = value[p] ?? { on: false, validity: 'permanent', until: '' };
        const set = (patch: Partial<PermissionChoice>) => onChange({ ...value, [p]: { ...v, ...patch } });
        return (
          <div key={p} className="check perm-row">
            <label className="grow check-inline">
              <input type="checkbox" checked={v.on} onChange={(e) => set({ on: e.target.checked })} />
              <span>
                {label(p)}
                <span className="hint">{(PERMISSIONS as Record<string, { description: string }>)[p]?.description}</span>
              </span>
            </label>
            {perPermissionValidity && v.on ? (
              <span className="perm-validity">
                <select
                  aria-label={`Validity of ${label(p)}`}
                  value={v.validity}
                  onChange={(e) => set({ validity: e.target.value })}
                >
                  {VALIDITY_CHOICES.map(([value, text]) => (
                    <option key={value} value={value}>
                      {text}
                    </option>
                  ))}
                </select>
                {v.validity === 'until' ? (
                  <input
                    aria-label={`End of ${label(p)}`}
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
