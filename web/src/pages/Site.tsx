// One site in the installer portal: its devices (status, what the organization may do now), the handover
// banner ("Not Invited / Invite Now"), the invite dialog, and "Available permission" (apply to the owner).
import i18next from 'i18next';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import {
  InstallerPermissionPicker,
  validityChoices,
  choicesBody,
  choicesFrom,
  choicesProblem,
  type PermissionChoices,
} from '../components/InstallerPermissions.tsx';
import { Async, Chips, Confirm, Dialog, ErrorBox, Field, Notice, Page, StatusDot } from '../components/ui.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { ExceptionList, HealthSection, LIVE_REFRESH_MS, RemoteConfiguration } from '../components/DeviceLink.tsx';
import { EMAIL_RE, PHONE_RE, deadline, fromLocalInput } from '../lib/format.ts';
import { PERMISSIONS, label } from '../lib/permissions.ts';
import { siteStatus } from './Portal.tsx';

type Site = Res<'/api/sites/{siteId}', 'get'>;

/** What an installer reads on a device it may no longer operate. */
export function noPermission(): string {
  return i18next.t('site.noPermission');
}

/** The API's reason, always ending with what to do about it. */
function noPermissionText(notice: string | null): string {
  if (!notice) return noPermission();
  return /contact/i.test(notice) ? notice : `${notice.replace(/\.?$/, '.')} ${i18next.t('site.contactOwner')}`;
}

export function SitePage() {
  const { siteId = '' } = useParams();
  const site = useLoad(() => call(api.GET('/api/sites/{siteId}', { params: { path: { siteId } } })), [siteId]);
  usePolling(site.reload, LIVE_REFRESH_MS);
  const { t } = useTranslation();
  return (
    <Page title={site.data?.name ?? t('site.title')} back="/portal" wide>
      <Async state={site} what={t('site.loading')}>
        {(s) => <SiteView site={s} reload={site.reload} />}
      </Async>
    </Page>
  );
}

function SiteView({ site, reload }: { site: Site; reload(): void }) {
  const [inviting, setInviting] = useState(false);
  const [applying, setApplying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [applied, setApplied] = useState(0);
  const [tab, setTab] = useState<'devices' | 'exceptions'>('devices');
  const [configuring, setConfiguring] = useState<Site['devices'][number] | null>(null);
  const exceptions = useLoad(
    () => call(api.GET('/api/sites/{siteId}/exceptions', { params: { path: { siteId: site.id } } })),
    [site.id],
  );
  usePolling(exceptions.reload, LIVE_REFRESH_MS);
  const handedOver = site.status === 'handed_over';
  const canInvite = ['not_invited', 'declined', 'expired', 'cancelled'].includes(site.status);
  const status = siteStatus(site.status);
  const { t } = useTranslation();
  return (
    <>
      {site.address ? (
        <p className="muted">
          {site.address} · {site.timeZone}
        </p>
      ) : (
        <p className="muted">{site.timeZone}</p>
      )}
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <div
        className={`banner ${handedOver ? 'ok' : site.status === 'invited' ? 'info' : ''}`}
        role="region"
        aria-label={t('site.handover')}
      >
        <span>{status.text}</span>
        {canInvite ? (
          <button
            type="button"
            className="primary small-btn"
            disabled={site.devices.length === 0}
            onClick={() => setInviting(true)}
          >
            {t('site.inviteNow')}
          </button>
        ) : null}
        {site.status === 'invited' ? <PendingInvitation siteId={site.id} onChange={reload} /> : null}
      </div>

      <div className="tabs" role="tablist" aria-label={t('site.title')}>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'devices'}
          className={tab === 'devices' ? 'tab-button active' : 'tab-button'}
          onClick={() => setTab('devices')}
        >
          {t('site.devicesTab')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'exceptions'}
          className={tab === 'exceptions' ? 'tab-button active' : 'tab-button'}
          onClick={() => setTab('exceptions')}
        >
          {t('site.exceptionsTab')}
          {exceptions.data && exceptions.data.open > 0 ? ` (${exceptions.data.open})` : ''}
        </button>
      </div>
      {tab === 'exceptions' ? (
        <Async
          state={exceptions}
          what={t('site.loadingExceptions')}
          isEmpty={(e) => e.items.length === 0}
          empty={t('site.noExceptions')}
        >
          {(e) => <ExceptionList items={e.items} showDevice />}
        </Async>
      ) : (
        <>
          {site.devices.length === 0 ? (
            <div className="state empty">{t('site.noDevices')}</div>
          ) : (
            <div className="table-wrap">
              <table aria-label={t('site.devices')}>
                <thead>
                  <tr>
                    <th>{t('site.device')}</th>
                    <th>{t('site.status')}</th>
                    <th>{t('site.inForce')}</th>
                  </tr>
                </thead>
                <tbody>
                  {site.devices.map((d) => (
                    <tr key={d.id} aria-label={d.name}>
                      <td>
                        <div className="strong">{d.name}</div>
                        <div className="muted small">
                          {[d.model !== d.name ? d.model : null, d.serial].filter(Boolean).join(' · ')}
                        </div>
                        <StatusDot online={d.online} />
                        {!d.noPermission ? (
                          <button type="button" className="secondary small-btn" onClick={() => setConfiguring(d)}>
                            {t('site.healthAndConfiguration')}
                          </button>
                        ) : null}
                      </td>
                      <td>
                        {d.status === 'handed_over' ? (
                          <span className="tag ok">{t('site.ownersDevice')}</span>
                        ) : (
                          <span className="tag">{t('site.heldByUs')}</span>
                        )}
                      </td>
                      <td>
                        {d.noPermission ? (
                          <p className="no-permission" role="note">
                            {noPermissionText(d.notice)}
                          </p>
                        ) : d.status === 'held' ? (
                          <span className="muted small">{t('site.fullAccess')}</span>
                        ) : (
                          <Chips
                            items={d.permissions.map((p) =>
                              p.validUntil
                                ? t('site.permissionUntil', { permission: p.label, until: deadline(p.validUntil) })
                                : p.label,
                            )}
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <div className="actions">
        {handedOver ? (
          <button type="button" className="primary" onClick={() => setApplying(true)}>
            {t('site.availablePermission')}
          </button>
        ) : null}
      </div>
      {!handedOver ? <AddSiteDevice siteId={site.id} onAdded={reload} /> : null}
      {handedOver ? <SiteApplications key={applied} siteId={site.id} /> : null}
      {inviting ? (
        <InviteDialog
          site={site}
          onClose={(sent) => {
            setInviting(false);
            if (sent) {
              setNotice(sent);
              reload();
            }
          }}
        />
      ) : null}
      {configuring ? (
        <Dialog open title={configuring.name} onClose={() => setConfiguring(null)}>
          <HealthSection deviceId={configuring.id} />
          <RemoteConfiguration deviceId={configuring.id} />
        </Dialog>
      ) : null}
      {applying ? (
        <ApplyDialog
          site={site}
          onClose={(sent) => {
            setApplying(false);
            if (sent) {
              setNotice(sent);
              setApplied((n) => n + 1);
              reload();
            }
          }}
        />
      ) : null}
    </>
  );
}

function PendingInvitation({ siteId, onChange }: { siteId: string; onChange(): void }) {
  const inv = useLoad(() => call(api.GET('/api/sites/{siteId}/handover', { params: { path: { siteId } } })), [siteId]);
  const [cancelling, setCancelling] = useState(false);
  const action = useAction();
  const { t } = useTranslation();
  if (!inv.data) return null;
  return (
    <span className="row">
      <span className="small">
        {inv.data.delivered
          ? t('site.waitingFor', { contact: inv.data.contact, until: deadline(inv.data.expiresAt) })
          : t('site.waitingForUnregistered', { contact: inv.data.contact, until: deadline(inv.data.expiresAt) })}
      </span>
      <button type="button" className="secondary small-btn" onClick={() => setCancelling(true)}>
        {t('site.cancelInvitation')}
      </button>
      <Confirm
        open={cancelling}
        title={t('site.cancelTitle')}
        message={t('site.cancelText')}
        confirmLabel={t('site.cancelInvitation')}
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setCancelling(false)}
        onConfirm={async () => {
          if (
            await action.run(() =>
              call(api.POST('/api/sites/{siteId}/handover/cancel', { params: { path: { siteId } } })),
            )
          ) {
            setCancelling(false);
            onChange();
          }
        }}
      />
    </span>
  );
}

function AddSiteDevice({ siteId, onAdded }: { siteId: string; onAdded(): void }) {
  const [serial, setSerial] = useState('');
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^[A-Za-z0-9-]{4,32}$/.test(serial.trim())) problems.serial = t('site.badSerial');
    if (!code.trim()) problems.code = t('site.noCode');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    if (
      await action.run(() =>
        call(
          api.POST('/api/sites/{siteId}/devices', {
            params: { path: { siteId } },
            body: { serial: serial.trim(), verificationCode: code.trim() },
          }),
        ),
      )
    ) {
      setSerial('');
      setCode('');
      onAdded();
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('site.addDeviceLabel')}>
      <h3>{t('site.addDevice')}</h3>
      <div className="grid2">
        <Field label={t('site.serial')} error={invalid.serial}>
          {(p) => <input {...p} value={serial} onChange={(e) => setSerial(e.target.value)} />}
        </Field>
        <Field label={t('site.code')} error={invalid.code}>
          {(p) => <input {...p} value={code} onChange={(e) => setCode(e.target.value)} />}
        </Field>
      </div>
      <ErrorBox message={action.error} />
      <button type="submit" className="secondary" disabled={action.busy}>
        {t('site.addDevice')}
      </button>
    </form>
  );
}

function InviteDialog({ site, onClose }: { site: Site; onClose(sent: string | null): void }) {
  const [by, setBy] = useState<'email' | 'phone'>('email');
  const [contact, setContact] = useState('');
  const [choices, setChoices] = useState<PermissionChoices>(() =>
    choicesFrom(['live_view', 'playback', 'configuration']),
  );
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  async function send() {
    const value = by === 'phone' ? contact.replace(/[\s()-]/g, '') : contact.trim();
    const problem =
      by === 'email'
        ? EMAIL_RE.test(value)
          ? null
          : t('site.badEmail')
        : PHONE_RE.test(value)
          ? null
          : t('site.badPhone');
    const p2 = problem ?? choicesProblem(choices);
    setInvalid(p2);
    if (p2) return;
    const permissions = choicesBody(choices);
    const body = {
      ...(by === 'email' ? { email: value } : { phone: value }),
      devices: site.devices.map((d) => ({ deviceId: d.id, permissions })),
    };
    const inv = await action.run(() =>
      call(api.POST('/api/sites/{siteId}/handover', { params: { path: { siteId: site.id } }, body })),
    );
    if (inv) onClose(t('site.invitationSent', { contact: inv.contact }));
  }
  return (
    <Dialog
      open
      title={t('site.inviteTitle', { site: site.name })}
      onClose={() => onClose(null)}
      footer={
        <>
          <button type="button" className="secondary" onClick={() => onClose(null)}>
            {t('common.cancel')}
          </button>
          <button type="button" className="primary" disabled={action.busy} onClick={send}>
            {action.busy ? t('site.sending') : t('site.sendInvitation')}
          </button>
        </>
      }
    >
      <p className="muted small">{t('site.inviteIntro', { count: site.devices.length })}</p>
      <div className="segmented" role="radiogroup" aria-label={t('site.inviteBy')}>
        {(['email', 'phone'] as const).map((k) => (
          <label key={k}>
            <input type="radio" name="invite-by" checked={by === k} onChange={() => setBy(k)} />
            {k === 'email' ? t('site.email') : t('site.phone')}
          </label>
        ))}
      </div>
      <Field label={by === 'email' ? t('site.ownersEmail') : t('site.ownersPhone')}>
        {(p) => (
          <input
            {...p}
            type={by === 'email' ? 'email' : 'tel'}
            value={contact}
            onChange={(e) => setContact(e.target.value)}
          />
        )}
      </Field>
      <InstallerPermissionPicker value={choices} onChange={setChoices} legend={t('site.permissionsToKeep')} />
      <ErrorBox message={invalid ?? action.error} />
    </Dialog>
  );
}

function ApplyDialog({ site, onClose }: { site: Site; onClose(sent: string | null): void }) {
  const owned = site.devices.filter((d) => d.status === 'handed_over');
  const [devices, setDevices] = useState<string[]>(owned.filter((d) => d.noPermission).map((d) => d.id));
  const [permissions, setPermissions] = useState<string[]>(['live_view', 'configuration', 'playback']);
  const [validity, setValidity] = useState('permanent');
  const [until, setUntil] = useState('');
  const [remark, setRemark] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  async function send() {
    const untilMs = fromLocalInput(until);
    const problem =
      devices.length === 0
        ? t('site.noDevice')
        : permissions.length === 0
          ? t('site.noPermissionChosen')
          : validity === 'until' && (untilMs === null || untilMs <= Date.now())
            ? t('site.pastEnd')
            : null;
    setInvalid(problem);
    if (problem) return;
    const body = {
      deviceIds: devices,
      permissions,
      validity,
      ...(validity === 'until' ? { until: untilMs } : {}),
      ...(remark.trim() ? { remark: remark.trim() } : {}),
    };
    const sent = await action.run(() =>
      call(api.POST('/api/sites/{siteId}/applications', { params: { path: { siteId: site.id } }, body })),
    );
    if (sent) onClose(t('site.applicationSent', { count: sent.length }));
  }
  return (
    <Dialog
      open
      title={t('site.applyTitle')}
      onClose={() => onClose(null)}
      footer={
        <>
          <button type="button" className="secondary" onClick={() => onClose(null)}>
            {t('common.cancel')}
          </button>
          <button type="button" className="primary" disabled={action.busy} onClick={send}>
            {action.busy ? t('site.sending') : t('site.apply')}
          </button>
        </>
      }
    >
      <fieldset>
        <legend>{t('site.devicesLegend')}</legend>
        {owned.map((d) => (
          <label key={d.id} className="check">
            <input
              type="checkbox"
              checked={devices.includes(d.id)}
              onChange={(e) => setDevices(e.target.checked ? [...devices, d.id] : devices.filter((x) => x !== d.id))}
            />
            <span className="grow">
              {d.name} {d.noPermission ? <span className="tag bad">{t('site.noPermissionTag')}</span> : null}
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('site.permissions')}</legend>
        {[
          'live_view',
          'configuration',
          'playback',
          ...Object.keys(PERMISSIONS).filter((p) => !['live_view', 'configuration', 'playback'].includes(p)),
        ].map((p) => (
          <label key={p} className="check">
            <input
              type="checkbox"
              checked={permissions.includes(p)}
              onChange={(e) =>
                setPermissions(e.target.checked ? [...permissions, p] : permissions.filter((x) => x !== p))
              }
            />
            <span className="grow">{label(p)}</span>
          </label>
        ))}
      </fieldset>
      <Field label={t('site.validity')}>
        {(p) => (
          <select {...p} value={validity} onChange={(e) => setValidity(e.target.value)}>
            {validityChoices().map(([v, text]) => (
              <option key={v} value={v}>
                {text}
              </option>
            ))}
          </select>
        )}
      </Field>
      {validity === 'until' ? (
        <Field label={t('site.ends')}>
          {(p) => <input {...p} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
        </Field>
      ) : null}
      <Field label={t('site.remark')}>
        {(p) => <textarea {...p} rows={2} value={remark} onChange={(e) => setRemark(e.target.value)} />}
      </Field>
      <ErrorBox message={invalid ?? action.error} />
    </Dialog>
  );
}

const APP_STATUS: Record<string, string> = { pending: 'warn', agreed: 'ok', rejected: 'bad' };

function SiteApplications({ siteId }: { siteId: string }) {
  const apps = useLoad(
    () => call(api.GET('/api/sites/{siteId}/applications', { params: { path: { siteId } } })),
    [siteId],
  );
  const { t } = useTranslation();
  return (
    <>
      <h2>{t('site.applications')}</h2>
      <Async state={apps} what={t('site.loadingApplications')} empty={t('site.noApplications')}>
        {(list) => (
          <div className="table-wrap">
            <table aria-label={t('site.applications')}>
              <thead>
                <tr>
                  <th>{t('site.device')}</th>
                  <th>{t('site.permissions')}</th>
                  <th>{t('site.validity')}</th>
                  <th>{t('site.status')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id}>
                    <td>{a.device.name}</td>
                    <td>{a.permissions.map((p) => p.label).join(', ')}</td>
                    <td>{a.validityDescription}</td>
                    <td>
                      <span className={`tag ${APP_STATUS[a.status] ?? ''}`}>{a.status}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}
