// What a share gives: scope and channels, permissions (Play Video locked on), validity. Used to create and edit.
import {
  ChannelPicker,
  PermissionPicker,
  ScopePicker,
  ValidityPicker,
  validityBody,
  validityProblem,
  type Scope,
  type ValidityState,
} from './pickers.tsx';
import i18next from 'i18next';
import { REQUIRED_SHARE_PERMISSION } from '../lib/permissions.ts';
import type { Body } from '../api/client.ts';

export interface ShareSpecState {
  scope: Scope;
  channels: number[];
  permissions: string[];
  validity: ValidityState;
}

export const DEFAULT_SPEC: Omit<ShareSpecState, 'validity'> = {
  scope: 'device',
  channels: [],
  permissions: [REQUIRED_SHARE_PERMISSION],
};

type SpecBody = Omit<Body<'/api/devices/{id}/shares', 'post'>, 'recipient'>;

/** Problems per field before sending, empty when the spec can go to the API. */
export function specProblems(s: ShareSpecState): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.scope === 'channels' && s.channels.length === 0) out.channels = i18next.t('share.noChannel');
  const v = validityProblem(s.validity);
  if (v) out.validity = v;
  return out;
}

export function specBody(s: ShareSpecState): SpecBody {
  return {
    scope: s.scope,
    ...(s.scope === 'channels' ? { channels: s.channels } : {}),
    permissions: s.permissions.includes(REQUIRED_SHARE_PERMISSION)
      ? s.permissions
      : [REQUIRED_SHARE_PERMISSION, ...s.permissions],
    validity: validityBody(s.validity),
  };
}

export function ShareSpecFields({
  channels,
  value,
  onChange,
  errors,
}: {
  channels: Array<{ number: number; name: string }>;
  value: ShareSpecState;
  onChange(next: ShareSpecState): void;
  errors: Record<string, string | null | undefined>;
}) {
  return (
    <>
      {channels.length > 1 ? (
        <ScopePicker value={value.scope} onChange={(scope) => onChange({ ...value, scope })} />
      ) : null}
      {value.scope === 'channels' ? (
        <ChannelPicker
          channels={channels}
          value={value.channels}
          onChange={(c) => onChange({ ...value, channels: c })}
          error={errors.channels}
        />
      ) : null}
      <PermissionPicker
        value={value.permissions}
        onChange={(permissions) => onChange({ ...value, permissions })}
        error={errors.permissions}
      />
      <ValidityPicker
        value={value.validity}
        onChange={(validity) => onChange({ ...value, validity })}
        error={errors.validity}
      />
    </>
  );
}
