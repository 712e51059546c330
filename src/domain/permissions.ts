// The permission catalog: the one list of what can be granted, with labels for the UI.
// Everything else (validation, the decision, the web app, the docs) reads it from here.

export const PERMISSIONS = {
  live_view: { label: 'Live View', level: 'channel', description: 'Watch live video ("Play Video").' },
  playback: { label: 'Playback', level: 'channel', description: 'Watch recordings.' },
  two_way_audio: { label: 'Two-way Audio', level: 'channel', description: 'Talk and listen through the device.' },
  ptz: { label: 'PTZ Control', level: 'channel', description: 'Pan, tilt and zoom the camera.' },
  alarm_notifications: {
    label: 'Alarm Notifications',
    level: 'channel',
    description: 'Receive alarm and motion notifications.',
  },
  download: { label: 'Download', level: 'channel', description: 'Export recordings.' },
  configuration: { label: 'Configuration', level: 'device', description: 'Configure the device remotely.' },
} as const satisfies Record<string, { label: string; level: 'channel' | 'device'; description: string }>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** Every share must include it: "Play Video is required". */
export const REQUIRED_SHARE_PERMISSION: Permission = 'live_view';

export function isPermission(value: string): value is Permission {
  return Object.prototype.hasOwnProperty.call(PERMISSIONS, value);
}

export function isDeviceLevel(p: Permission): boolean {
  return PERMISSIONS[p].level === 'device';
}

export function permissionLabel(p: Permission): string {
  return PERMISSIONS[p].label;
}
