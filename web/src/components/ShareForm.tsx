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
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { REQUIRED_SHARE_PERMISSION, label } from '../lib/permissions.ts';
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

/**
 * A choice folded into one line that says what is chosen ("Permissions · Live View"); tapping it opens the full
 * list in place. It opens by itself when its part has a problem to show.
 */
function Folded({
  title,
  chosen,
  open,
  children,
}: {
  title: string;
  chosen: string;
  open: boolean;
  children: ReactNode;
}) {
  return (
    <details className="section choice" open={open || undefined}>
      <summary>
        <span className="strong">{title}</span>
        <span className="muted small grow">{chosen}</span>
      </summary>
      {children}
    </details>
  );
}

export function ShareSpecFields({
  channels,
  value,
  onChange,
  errors,
  folded = false,
}: {
  channels: Array<{ number: number; name: string }>;
  value: ShareSpecState;
  onChange(next: ShareSpecState): void;
  errors: Record<string, string | null | undefined>;
  /** Phone-first screens: permissions and validity start folded to a line each (sensible defaults shown). */
  folded?: boolean;
}) {
  const { t } = useTranslation();
  const permissions = (
    <PermissionPicker
      value={value.permissions}
      onChange={(permissions) => onChange({ ...value, permissions })}
      error={errors.permissions}
    />
  );
  const validity = (
    <ValidityPicker
      value={value.validity}
      onChange={(validity) => onChange({ ...value, validity })}
      error={errors.validity}
    />
  );
  const scope = (
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
    </>
  );
  if (!folded)
    return (
      <>
        {scope}
        {permissions}
        {validity}
      </>
    );
  const chosenPermissions = [
    REQUIRED_SHARE_PERMISSION,
    ...value.permissions.filter((p) => p !== REQUIRED_SHARE_PERMISSION),
  ]
    .map(label)
    .join(', ');
  const chosenValidity = {
    permanent: t('time.permanent'),
    until: t('share.untilDate'),
    schedule: t('share.weekly'),
  }[value.validity.mode];
  return (
    <>
      {scope}
      <Folded title={t('share.permissions')} chosen={chosenPermissions} open={Boolean(errors.permissions)}>
        {permissions}
      </Folded>
      <Folded title={t('share.validity')} chosen={chosenValidity} open={Boolean(errors.validity)}>
        {validity}
      </Folded>
    </>
  );
}
