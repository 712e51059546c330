// Co-managers in the app: the managers part of a device's Settings (the owner makes and removes them, a manager
// sees them and may step down) and the "Devices I manage" part of Home (docs/sharing.md, "Managers").
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, call, type Res } from '../api/client.ts';
import { DeviceIcon } from '../components/DeviceIcon.tsx';
import { Menu } from '../components/Menu.tsx';
import { Confirm, ErrorBox, Field, Notice, Section, StatusDot } from '../components/ui.tsx';
import { dateTime, EMAIL_RE } from '../lib/format.ts';
import { useAction, useLoad, type Loaded } from '../lib/hooks.ts';

export type Manager = Res<'/api/devices/{id}/managers', 'get'>[number];
type ManagedDevice = Res<'/api/managed-devices', 'get'>[number];

/** The device's managers (its owner and its managers may read them). */
export function useManagers(deviceId: string): Loaded<Manager[]> {
  return useLoad(() => call(api.GET('/api/devices/{id}/managers', { params: { path: { id: deviceId } } })), [deviceId]);
}

/** The managers part of a device's Settings. `me`: the signed-in account; a manager sees the list and may step down. */
export function ManagersSection({
  device,
  managers,
  me,
}: {
  device: { id: string; name: string };
  managers: Loaded<Manager[]>;
  me: string;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const list = managers.data ?? [];
  const iManage = list.some((m) => m.accountId === me);
  const [removing, setRemoving] = useState<Manager | null>(null);
  const action = useAction();
  return (
    <Section title={t('managers.title')} count={list.length} open={list.length > 0}>
      <p className="small muted">{iManage ? t('managers.introManager') : t('managers.intro')}</p>
      <ErrorBox message={managers.error} onRetry={managers.reload} />
      {managers.data && list.length === 0 ? <p>{t('managers.none')}</p> : null}
      {list.length > 0 ? (
        <ul className="list" aria-label={t('managers.title')}>
          {list.map((m) => (
            <li key={m.accountId} className="list-item" aria-label={m.displayName}>
              <div className="grow">
                <div className="title">
                  {m.accountId === me ? t('managers.you', { name: m.displayName }) : m.displayName}
                </div>
                {m.email ? <div className="muted small member-email">{m.email}</div> : null}
                <div className="muted small">{t('managers.since', { when: dateTime(m.since) })}</div>
              </div>
              {!iManage || m.accountId === me ? (
                <button
                  type="button"
                  className="secondary small-btn"
                  aria-label={
                    m.accountId === me ? t('managers.stepDown') : t('managers.remove', { name: m.displayName })
                  }
                  onClick={() => setRemoving(m)}
                >
                  {m.accountId === me ? t('managers.stepDown') : t('common.remove')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {!iManage && managers.data ? <AddManager deviceId={device.id} onAdded={managers.reload} /> : null}
      <Confirm
        open={removing !== null}
        title={
          removing?.accountId === me
            ? t('managers.stepDownTitle', { device: device.name })
            : t('managers.removeTitle', { name: removing?.displayName ?? '' })
        }
        message={removing?.accountId === me ? t('managers.stepDownText') : t('managers.removeText')}
        confirmLabel={removing?.accountId === me ? t('managers.stepDown') : t('common.remove')}
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setRemoving(null)}
        onConfirm={async () => {
          const who = removing!;
          const done = await action.run(() =>
            call(
              api.DELETE('/api/devices/{id}/managers/{accountId}', {
                params: { path: { id: device.id, accountId: who.accountId } },
              }),
            ),
          );
          if (!done) return;
          setRemoving(null);
          // Having stepped down, the device is no longer theirs to see.
          if (who.accountId === me) void navigate('/', { replace: true });
          else managers.reload();
        }}
      />
    </Section>
  );
}

function AddManager({ deviceId, onAdded }: { deviceId: string; onAdded(): void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const action = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setMade(null);
    const address = email.trim();
    if (!EMAIL_RE.test(address)) return setInvalid(t('managers.emailMissing'));
    setInvalid(null);
    const added = await action.run(() =>
      call(
        api.POST('/api/devices/{id}/managers', {
          params: { path: { id: deviceId } },
          body: { manager: { email: address } },
        }),
      ),
    );
    if (added) {
      setEmail('');
      setMade(added.displayName);
      onAdded();
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('managers.add')}>
      <h3>{t('managers.add')}</h3>
      <Field label={t('managers.email')} error={invalid ?? action.error}>
        {(p) => (
          <input
            {...p}
            type="email"
            name="manager-email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        )}
      </Field>
      {made ? <Notice tone="success">{t('managers.made', { name: made })}</Notice> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        {t('managers.submit')}
      </button>
    </form>
  );
}

/** Me's "Manager of all my devices": every device owned now, in one step (devices bound later are not included). */
export function ManagerOfAll() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const action = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setMade(null);
    const address = email.trim();
    if (!EMAIL_RE.test(address)) return setInvalid(t('managers.emailMissing'));
    setInvalid(null);
    const answer = await action.run(() =>
      call(api.POST('/api/managers', { body: { manager: { email: address }, devices: 'all' } })),
    );
    if (answer) {
      setEmail('');
      setMade(
        t('managers.allMade', {
          name: answer.manager.displayName,
          count: answer.added.length + answer.alreadyManaged.length,
        }),
      );
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('managers.allTitle')}>
      <h2>{t('managers.allTitle')}</h2>
      <p className="small muted">{t('managers.allIntro')}</p>
      <Field label={t('managers.email')} error={invalid ?? action.error}>
        {(p) => (
          <input
            {...p}
            type="email"
            name="all-manager-email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        )}
      </Field>
      {made ? <Notice tone="success">{made}</Notice> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        {t('managers.allSubmit')}
      </button>
    </form>
  );
}

/** The devices the signed-in account manages for their owners. */
export function useManagedDevices(): Loaded<ManagedDevice[]> {
  return useLoad(() => call(api.GET('/api/managed-devices')), []);
}

/** Home's "Devices I manage": nothing at all for someone who manages none. */
export function ManagedDevices({ list }: { list: ManagedDevice[] }) {
  const { t } = useTranslation();
  if (list.length === 0) return null;
  return (
    <>
      <h2>{t('managers.home')}</h2>
      <ul className="list" aria-label={t('managers.home')}>
        {list.map((d) => (
          <ManagedRow key={d.deviceId} device={d} />
        ))}
      </ul>
    </>
  );
}

function ManagedRow({ device }: { device: ManagedDevice }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <li className="list-item" aria-label={device.name}>
      <DeviceIcon kind={device.kind} />
      <div className="grow">
        <div className="title">{device.name}</div>
        <div className="row small">
          <StatusDot online={device.online} />
          <span className="muted">{device.model !== device.name ? device.model : null}</span>
        </div>
        <div className="small">
          <span className="tag info">{t('managers.managedFor', { name: device.owner.displayName })}</span>
        </div>
      </div>
      <Link
        className="small-btn"
        to={`/devices/${device.deviceId}/live`}
        aria-label={t('managers.live', { name: device.name })}
      >
        ▶ {t('home.live')}
      </Link>
      <Menu label={t('managers.more', { name: device.name })}>
        {() => (
          <>
            {device.supportsSharing ? (
              <button type="button" role="menuitem" onClick={() => navigate(`/devices/${device.deviceId}/share`)}>
                {t('managers.share')}
              </button>
            ) : null}
            <button type="button" role="menuitem" onClick={() => navigate(`/devices/${device.deviceId}/playback`)}>
              {t('managers.recordings')}
            </button>
            <button type="button" role="menuitem" onClick={() => navigate(`/devices/${device.deviceId}/settings`)}>
              {t('managers.settings')}
            </button>
          </>
        )}
      </Menu>
    </li>
  );
}
