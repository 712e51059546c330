// The permission catalog comes from the server's one list (src/domain/permissions.ts): pure data, no I/O,
// so the app shows exactly the labels and the order the API validates against.
export {
  PERMISSIONS,
  PERMISSION_NAMES,
  REQUIRED_SHARE_PERMISSION,
  isDeviceLevel,
  type Permission,
} from '../../../src/domain/permissions.ts';
import i18next from 'i18next';
import { PERMISSIONS, type Permission } from '../../../src/domain/permissions.ts';

/** A permission's name in the app's language (catalog `permission.*`), else the server's English label. */
export function label(p: string): string {
  const english = (PERMISSIONS as Record<string, { label: string }>)[p]?.label ?? p;
  return i18next.t(`permission.${p}`, { defaultValue: english });
}

/** What a permission lets one do, in the app's language. */
export function description(p: string): string {
  const english = (PERMISSIONS as Record<string, { description: string }>)[p]?.description ?? '';
  return i18next.t(`permissionHint.${p}`, { defaultValue: english });
}

export function labels(ps: readonly string[]): string {
  return ps.map(label).join(', ');
}

export type { Permission as PermissionName };
