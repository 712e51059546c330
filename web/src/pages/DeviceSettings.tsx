// A device's Settings (owner, or a manager): name, channels, Authorization Service, shares, managers, audit trail,
// and for the owner only: transfer, remove.
import i18next from 'i18next';
import { useState, type FormEvent } from 'react';
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

const KIND_LABEL: Record<string, string> = {
  camera: 'Camera',
  recorder: 'Recorder',
  doorbell: 'Doorbell',
  alarm_hub: 'Alarm hub',
};

export function kindLabel(kind: string): string {
  return KIND_LABEL[kind] ?? kind;
}

export function DeviceSettingsPage() {
  const { id = '' } = useParams();
  const device = useLoad(() => call(api.GET('/api/devices/{id}', { params: { path: { id } } })), [id]);
  usePolling(device.reload, LIVE_REFRESH_MS);
  return (
    <Page title="Settings" back="/">
      <Async state={device} what="Loading the device">
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
            <span>Authorization Service</span>
          </Link>
        </li>
        {device.supportsSharing ? (
          <li>
            <Link to={`/devices/${device.id}/share`}>
              <span>Share Device</span>
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
      <Section title="Name">
        <RenameForm device={device} onChange={onChange} />
      </Section>
      {device.channels.length > 1 ? (
        <Section title="Channels" count={device.channels.length}>
          <ul className="list">
            {device.channels.map((c) => (
              <li key={c.number}>
                <span className="muted">{c.number}.</span> {c.name}
              </li>
            ))}
          </ul>
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
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (!name.trim()) return setInvalid('Give the device a name.');
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
      <Field label="Device name" error={invalid ?? action.error}>
        {(p) => <input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      {saved ? <Notice tone="success">Saved.</Notice> : null}
      <button type="submit" className="secondary small-btn" disabled={action.busy || name.trim() === device.name}>
        Save name
      </button>
    </form>
  );
}

const ACTION_LABEL: Record<string, string> = {
  'device.bound': 'Device added',
  'device.unbound': 'Device removed',
  'device.renamed': 'Device renamed',
  'device.transferred': 'Ownership transferred',
  'device.handed_over': 'Handed over by the installer',
  'device.added_to_site': 'Added to an installer site',
  'channel.renamed': 'Channel renamed',
  'transfer.started': 'Transfer offered',
  'transfer.declined': 'Transfer declined',
  'transfer.cancelled': 'Transfer withdrawn',
  'share.created': 'Shared',
  'share.updated': 'Share changed',
  'share.revoked': 'Share revoked',
  'share.cancelled': 'Share ended',
  'share.removed_by_recipient': 'Share removed by the recipient',
  'authorization.granted': 'Installer permissions granted',
  'authorization.withdrawn': 'Installer permissions withdrawn',
  'authorization.permission_withdrawn': 'Installer permission withdrawn',
  'authorization.permission_released': 'Installer released a permission',
  'authorization.cancelled': 'Installer authorization cancelled',
  'handover.accepted': 'Handover accepted',
  'application.created': 'Installer applied for permissions',
  'application.agreed': 'Permission application agreed',
  'application.rejected': 'Permission application rejected',
  'application.cancelled': 'Permission application withdrawn',
  'ticket.issued': 'Video watched',
  'device.command': 'Remote configuration',
  'device.link_secret_issued': 'Device link secret issued',
};

export function auditLabel(action: string): string {
  if (ACTION_LABEL[action]) return ACTION_LABEL[action];
  const text = action.replace(/[._]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Who besides me can do what on the device at this moment (shares and installer authorizations together). */
function AccessNow({ deviceId }: { deviceId: string }) {
  const review = useLoad(
    () => call(api.GET('/api/devices/{id}/access', { params: { path: { id: deviceId } } })),
    [deviceId],
  );
  return (
    <>
      <h2>Who has access now</h2>
      <Async state={review} what="Loading who has access" isEmpty={(r) => r.entries.length === 0} empty="Only you.">
        {(r) => (
          <ul className="list" aria-label="Access now">
            {r.entries.map((e) => {
              const now = e.permissions.filter((p) => p.activeNow);
              return (
                <li key={e.sourceId}>
                  <div className="spread">
                    <span className="strong">{e.subject.name}</span>
                    <span className="tag">{e.source === 'share' ? 'Shared' : 'Installer'}</span>
                  </div>
                  <div className="muted small">
                    {e.channels === 'all' ? 'All channels' : `Channels ${e.channels.join(', ')}`}
                  </div>
                  {now.length > 0 ? (
                    <Chips items={now.map((p) => label(p.permission))} />
                  ) : (
                    <p className="muted small">Nothing at this moment.</p>
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
  return (
    <Section title="Audit trail">
      <Async
        state={audit}
        what="Loading the audit trail"
        isEmpty={(p) => p.items.length === 0}
        empty="Nothing has happened to this device yet."
      >
        {(page) => (
          <ul className="list" aria-label="Audit trail">
            {page.items.map((e: AuditEvent) => (
              <li key={e.id}>
                <div className="spread">
                  <span className="strong">{auditLabel(e.action)}</span>
                  <span className="muted small">{dateTime(e.at)}</span>
                </div>
                <div className="muted small">by {e.actor.name ?? 'Keyholder'}</div>
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
  return (
    <>
      <button type="button" className="secondary block remove-device" onClick={() => setAsking(true)}>
        Remove device
      </button>
      <Confirm
        open={asking}
        title={`Remove ${device.name}?`}
        message="The device leaves your account. Every share and every installer permission on it ends."
        confirmLabel="Remove"
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setAsking(false)}
        onConfirm={async () => {
          const done = await action.run(() =>
            call(api.DELETE('/api/devices/{id}', { params: { path: { id: device.id } } })),
          );
          if (done) void navigate('/', { state: { notice: `${device.name} was removed from your devices.` } });
        }}
      />
    </>
  );
}
