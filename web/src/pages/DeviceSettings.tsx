// A device's Settings (owner, or a manager): name, channels, Authorization Service, shares, managers, audit trail,
// and for the owner only: transfer, remove.
import i18next from 'i18next';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, Chips, Confirm, Field, Notice, Page, Section, StatusDot } from '../components/ui.tsx';
import { label } from '../lib/permissions.ts';
import { SharesSection } from './DeviceShares.tsx';
import { VisibilitySection } from '../components/VisibilitySection.tsx';
import { TransferSection } from './Transfer.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { HealthSection, LIVE_REFRESH_MS, RemoteConfiguration } from '../components/DeviceLink.tsx';
import { dateTime } from '../lib/format.ts';
import { useAccount } from '../session.tsx';
import { ManagersSection, useManagers } from './Managers.tsx';

type Device = Res<'/api/devices/{id}', 'get'>;
type AuditEvent = Res<'/api/devices/{id}/audit', 'get'>['items'][number];

export function kindLabel(kind: string): string {
  return i18next.t(`kind.${kind}`, { defaultValue: kind });
}

export function DeviceSettingsPage() {
  const { id = '' } = useParams();
  const device = useLoad(() => call(api.GET('/api/devices/{id}', { params: { path: { id } } })), [id]);
  usePolling(device.reload, LIVE_REFRESH_MS);
  const { t } = useTranslation();
  return (
    <Page title={t('settings.title')} back="/">
      <Async state={device} what={t('share.loadingDevice')}>
        {(d) => <Settings device={d} onChange={device.reload} />}
      </Async>
    </Page>
  );
}

function Settings({ device, onChange }: { device: Device; onChange(): void }) {
  const me = useAccount().id;
  const managers = useManagers(device.id);
  // A manager runs the device but may not give it away or remove it (the server refuses it too).
  const owner = managers.data !== undefined && !managers.data.some((m) => m.accountId === me);
  const { t } = useTranslation();
  return (
    <>
      <div className="card">
        <div className="spread">
          <div>
            <div className="strong">{device.name}</div>
            <div className="muted small">
              {kindLabel(device.kind)} · {device.model} · {device.serial}
            </div>
          </div>
          <StatusDot online={device.online} />
        </div>
      </div>
      <ul className="menu">
        <li>
          <Link to={`/devices/${device.id}/authorization`}>
            <span>{t('authz.title')}</span>
          </Link>
        </li>
        {device.supportsSharing ? (
          <li>
            <Link to={`/devices/${device.id}/share`}>
              <span>{t('home.share')}</span>
            </Link>
          </li>
        ) : null}
        {device.supportsSharing ? (
          <li>
            <Link to={`/devices/${device.id}/guest-links`}>
              <span>{i18next.t('guestLinks.title')}</span>
            </Link>
          </li>
        ) : null}
      </ul>
      <SharesSection device={device} />
      <AccessNow deviceId={device.id} />
      <VisibilitySection deviceId={device.id} />
      <HealthSection deviceId={device.id} />
      <RemoteConfiguration deviceId={device.id} channels={device.channels.length} />
      <Section title={t('settings.name')}>
        <RenameForm device={device} onChange={onChange} />
      </Section>
      {device.channels.length > 1 ? (
        <Section title={t('share.channels')} count={device.channels.length}>
          {/* Read-only rows: folded so a 16-channel recorder does not make Settings five screens long. */}
          <details className="card fold">
            <summary>{t('settings.showChannels', { count: device.channels.length })}</summary>
            <ul className="list">
              {device.channels.map((c) => (
                <li key={c.number}>
                  <span className="muted">{c.number}.</span> {c.name}
                </li>
              ))}
            </ul>
          </details>
        </Section>
      ) : null}
      <ManagersSection device={device} managers={managers} me={me} />
      <AuditSection deviceId={device.id} />
      {owner ? <TransferSection deviceId={device.id} deviceName={device.name} /> : null}
      {owner ? <RemoveDevice device={device} /> : null}
    </>
  );
}

function RenameForm({ device, onChange }: { device: Device; onChange(): void }) {
  const [name, setName] = useState(device.name);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (!name.trim()) return setInvalid(t('settings.nameMissing'));
    setInvalid(null);
    const done = await action.run(() =>
      call(api.PATCH('/api/devices/{id}', { params: { path: { id: device.id } }, body: { name: name.trim() } })),
    );
    if (done) {
      setSaved(true);
      onChange();
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate>
      <Field label={t('settings.deviceName')} error={invalid ?? action.error}>
        {(p) => <input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      {saved ? <Notice tone="success">{t('settings.saved')}</Notice> : null}
      <button type="submit" className="secondary small-btn" disabled={action.busy || name.trim() === device.name}>
        {t('settings.saveName')}
      </button>
    </form>
  );
}

export function auditLabel(action: string): string {
  const text = action.replace(/[._]/g, ' ');
  return i18next.t(`auditAction.${action.replace(/\./g, '_')}`, {
    defaultValue: text.charAt(0).toUpperCase() + text.slice(1),
  });
}

/** What a share or an authorization gave, from the audit snapshot: "Channels 1, 2 · Live View, Playback". */
function auditWhat(e: AuditEvent): string | null {
  const s = (e.after ?? e.before) as {
    scope?: string;
    channels?: number[];
    permissions?: Array<string | { permission: string }>;
  } | null;
  if (!s || !Array.isArray(s.permissions)) return null;
  const parts: string[] = [];
  if (s.scope === 'channels' && s.channels?.length)
    parts.push(i18next.t('common.channelsList', { list: s.channels.join(', ') }));
  else if (s.scope === 'device') parts.push(i18next.t('common.allChannels'));
  const perms = s.permissions.map((p) => label(typeof p === 'string' ? p : p.permission));
  if (perms.length) parts.push(perms.join(', '));
  return parts.join(' · ') || null;
}

/** Who besides me can do what on the device at this moment (shares and installer authorizations together). */
function AccessNow({ deviceId }: { deviceId: string }) {
  const review = useLoad(
    () => call(api.GET('/api/devices/{id}/access', { params: { path: { id: deviceId } } })),
    [deviceId],
  );
  const { t } = useTranslation();
  return (
    <>
      <h2>{t('settings.accessNow')}</h2>
      <Async
        state={review}
        what={t('settings.loadingAccess')}
        isEmpty={(r) => r.entries.length === 0}
        empty={t('settings.onlyYou')}
      >
        {(r) => (
          <ul className="list" aria-label={t('settings.accessList')}>
            {r.entries.map((e) => {
              const now = e.permissions.filter((p) => p.activeNow);
              return (
                <li key={e.sourceId}>
                  <div className="spread">
                    <span className="strong">{e.subject.name}</span>
                    <span className="tag">
                      {e.source === 'share' ? t('settings.sharedTag') : t('settings.installerTag')}
                    </span>
                  </div>
                  <div className="muted small">
                    {e.channels === 'all'
                      ? t('common.allChannels')
                      : t('common.channelsList', { list: e.channels.join(', ') })}
                  </div>
                  {now.length > 0 ? (
                    <Chips items={now.map((p) => label(p.permission))} />
                  ) : (
                    <p className="muted small">{t('settings.nothingNow')}</p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Async>
    </>
  );
}

function AuditSection({ deviceId }: { deviceId: string }) {
  const audit = useLoad(
    () => call(api.GET('/api/devices/{id}/audit', { params: { path: { id: deviceId }, query: { limit: 50 } } })),
    [deviceId],
  );
  const { t } = useTranslation();
  return (
    <Section title={t('settings.audit')}>
      <Async
        state={audit}
        what={t('settings.loadingAudit')}
        isEmpty={(p) => p.items.length === 0}
        empty={t('settings.auditEmpty')}
      >
        {(page) => (
          <ul className="list" aria-label={t('settings.audit')}>
            {page.items.map((e: AuditEvent) => (
              <li key={e.id}>
                <div className="spread">
                  <span className="strong">
                    {auditLabel(e.action)}
                    {e.subject ? ` ${t('settings.withWhom', { name: e.subject })}` : ''}
                  </span>
                  <span className="muted small">{dateTime(e.at)}</span>
                </div>
                <div className="muted small">
                  {[auditWhat(e), t('settings.by', { name: e.actor.name ?? t('settings.keyholder') })]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Section>
  );
}

function RemoveDevice({ device }: { device: Device }) {
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  const action = useAction();
  const { t } = useTranslation();
  return (
    <>
      <button type="button" className="secondary block remove-device" onClick={() => setAsking(true)}>
        {t('settings.remove')}
      </button>
      <Confirm
        open={asking}
        title={t('settings.removeTitle', { name: device.name })}
        message={t('settings.removeText')}
        confirmLabel={t('common.remove')}
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setAsking(false)}
        onConfirm={async () => {
          const done = await action.run(() =>
            call(api.DELETE('/api/devices/{id}', { params: { path: { id: device.id } } })),
          );
          if (done) void navigate('/', { state: { notice: t('settings.removed', { name: device.name }) } });
        }}
      />
    </>
  );
}
