// The permission catalog comes from the server's one list (src/domain/permissions.ts): pure data, no I/O,
// so the app shows exactly the labels and the order the API validates against.
export {
  PERMISSIONS,
  PERMISSION_NAMES,
  REQUIRED_SHARE_PERMISSION,
  isDeviceLevel,
  type Permission,
} from '../../../src/domain/permissions.ts';
import { PERMISSIONS, type Permission } from '../../../src/domain/permissions.ts';

export function label(p: string): string {
  return (PERMISSIONS as Record<string, { label: string }>)[p]?.label ?? p;
}

export function labels(ps: readonly string[]): string {
  return ps.map(label).join(', ');
}

export type { Permission as PermissionName };
