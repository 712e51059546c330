// Installer portal: my organization, its members, its sites. Comfortable on a desktop, usable on a phone.
import i18next from 'i18next';
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, Chips, Confirm, ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { useAccount } from '../session.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { LIVE_REFRESH_MS } from '../components/DeviceLink.tsx';
import { useRole } from '../lib/role.tsx';
import { deadline, validityInWords } from '../lib/format.ts';
import { noPermission } from './Site.tsx';

type Org = Res<'/api/orgs', 'get'>[number];
type Member = Res<'/api/orgs/{orgId}', 'get'>['members'][number];

const SITE_TONE: Record<string, string> = {
  not_invited: 'warn',
  invited: 'info',
  handed_over: 'ok',
  declined: 'bad',
  expired: 'bad',
  cancelled: '',
};

/** A site's handover state in words, with the colour of its tag. */
export function siteStatus(status: string): { text: string; tone: string } {
  const tone = SITE_TONE[status];
  return tone === undefined ? { text: status, tone: '' } : { text: i18next.t(`portal.siteStatus.${status}`), tone };
}

function roleName(role: string): string {
  return role === 'admin' || role === 'technician' ? i18next.t(`portal.role.${role}`) : role;
}

export function PortalPage() {
  const loaded = useLoad(() => call(api.GET('/api/orgs')), []);
  const role = useRole();
  // Creating, joining or leaving an organization changes the navigation too.
  const orgs = { ...loaded, reload: () => (loaded.reload(), role.refresh()) };
  const [chosen, setChosen] = useState<string | null>(null);
  const { t } = useTranslation();
  return (
    <Page title={t('portal.title')} wide>
      <JoinInvitations onJoined={orgs.reload} />
      <Async state={orgs} what={t('portal.loadingOrgs')} isEmpty={() => false}>
        {(list) => {
          if (list.length === 0) return <CreateOrg onCreated={orgs.reload} />;
          const org = list.find((o) => o.id === chosen) ?? list[0]!;
          return (
            <>
              {list.length > 1 ? (
                <Field label={t('portal.organization')}>
                  {(p) => (
                    <select {...p} value={org.id} onChange={(e) => setChosen(e.target.value)}>
                      {list.map((o) => (
                        <option key={o.id} value={o.id}>
                          {o.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              ) : null}
              <OrgView org={org} onOrgsChanged={orgs.reload} />
            </>
          );
        }}
      </Async>
    </Page>
  );
}

function CreateOrg({ onCreated }: { onCreated(): void }) {
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setInvalid(t('portal.noOrgName'));
    setInvalid(null);
    if (await action.run(() => call(api.POST('/api/orgs', { body: { name: name.trim() } })))) onCreated();
  }
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h2>{t('portal.createTitle')}</h2>
      <p className="muted">{t('portal.createIntro')}</p>
      <Field label={t('portal.orgName')} error={invalid ?? action.error}>
        {(p) => <input {...p} name="orgName" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={action.busy}>
        {t('portal.createOrg')}
      </button>
    </form>
  );
}

function JoinInvitations({ onJoined }: { onJoined(): void }) {
  const invitations = useLoad(() => call(api.GET('/api/me/org-invitations')), []);
  const action = useAction();
  const { t } = useTranslation();
  if (!invitations.data || invitations.data.length === 0) return null;
  return (
    <section className="card" aria-label={t('portal.joinInvitations')}>
      <h2>{t('portal.joinInvitations')}</h2>
      <ErrorBox message={action.error} />
      <ul className="list">
        {invitations.data.map((i) => (
          <li key={i.id} className="spread">
            <span>
              <Trans
                i18nKey="portal.invitesYou"
                values={{ org: i.orgName ?? t('portal.anOrg'), role: roleName(i.role) }}
                components={{ b: <strong /> }}
              />
            </span>
            <span className="row">
              {(['decline', 'accept'] as const).map((answer) => (
                <button
                  key={answer}
                  type="button"
                  className={answer === 'accept' ? 'primary small-btn' : 'secondary small-btn'}
                  disabled={action.busy}
                  onClick={async () => {
                    const path = { invitationId: i.id };
                    const done = await action.run(() =>
                      call(
                        answer === 'accept'
                          ? api.POST('/api/org-invitations/{invitationId}/accept', { params: { path } })
                          : api.POST('/api/org-invitations/{invitationId}/decline', { params: { path } }),
                      ),
                    );
                    if (done) {
                      invitations.reload();
                      onJoined();
                    }
                  }}
                >
                  {answer === 'accept' ? t('portal.join') : t('portal.decline')}
                </button>
              ))}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function OrgView({ org, onOrgsChanged }: { org: Org; onOrgsChanged(): void }) {
  const sites = useLoad(
    () => call(api.GET('/api/orgs/{orgId}/sites', { params: { path: { orgId: org.id } } })),
    [org.id],
  );
  const counts = useLoad(
    () => call(api.GET('/api/orgs/{orgId}/exception-counts', { params: { path: { orgId: org.id } } })),
    [org.id],
  );
  usePolling(sites.reload, LIVE_REFRESH_MS);
  usePolling(counts.reload, LIVE_REFRESH_MS);
  const openBySite = new Map((counts.data ?? []).map((c) => [c.siteId, c.open]));
  const { t } = useTranslation();
  return (
    <div className="portal-grid">
      <div>
        <div className="spread">
          <h2>{t('portal.sites')}</h2>
        </div>
        <Async state={sites} what={t('portal.loadingSites')} empty={t('portal.noSites')}>
          {(list) => (
            <div className="table-wrap">
              <table aria-label={t('portal.sites')}>
                <thead>
                  <tr>
                    <th>{t('portal.site')}</th>
                    <th>{t('portal.status')}</th>
                    <th>{t('portal.devices')}</th>
                    <th>{t('portal.noPermission')}</th>
                    <th>{t('portal.exceptions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => {
                    const status = siteStatus(s.status);
                    const blocked = s.devices.filter((d) => d.noPermission).length;
                    return (
                      <tr key={s.id}>
                        <td>
                          <Link to={`/portal/sites/${s.id}`} className="strong">
                            {s.name}
                          </Link>
                          {s.address ? <div className="muted small">{s.address}</div> : null}
                        </td>
                        <td>
                          <span className={`tag ${status.tone}`}>{status.text}</span>
                        </td>
                        <td>{s.devices.length}</td>
                        <td>
                          {blocked > 0 ? <span className="tag bad">{blocked}</span> : <span className="muted">—</span>}
                        </td>
                        <td>
                          {(openBySite.get(s.id) ?? 0) > 0 ? (
                            <span
                              className="tag bad"
                              aria-label={t('portal.openExceptions', { count: openBySite.get(s.id) })}
                            >
                              {openBySite.get(s.id)}
                            </span>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Async>
        <AuthorizedDevices orgId={org.id} />
        <CreateSite orgId={org.id} onCreated={sites.reload} />
        {org.myRole === 'admin' ? (
          <ul className="menu">
            <li>
              <Link to={`/portal/orgs/${org.id}/webhooks`}>{t('portal.webhooks')}</Link>
            </li>
          </ul>
        ) : null}
      </div>
      <OrgMembers org={org} onOrgsChanged={onOrgsChanged} />
    </div>
  );
}

/**
 * Every device the organization is authorized on, whether it came through a site's handover or an owner entrusted
 * it directly (those are on no site, so this is the only place the portal shows them).
 */
function AuthorizedDevices({ orgId }: { orgId: string }) {
  const list = useLoad(
    () => call(api.GET('/api/orgs/{orgId}/authorized-devices', { params: { path: { orgId } } })),
    [orgId],
  );
  const { t } = useTranslation();
  return (
    <section aria-label={t('portal.authorized')}>
      <h2>{t('portal.authorized')}</h2>
      <Async state={list} what={t('portal.loadingAuthorized')} empty={t('portal.noAuthorized')}>
        {(items) => (
          <div className="table-wrap">
            <table aria-label={t('portal.authorized')}>
              <thead>
                <tr>
                  <th>{t('portal.device')}</th>
                  <th>{t('portal.status')}</th>
                  <th>{t('portal.permissions')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => {
                  // Expired grants are history; the status already says whether anything is left.
                  const current = a.permissions.filter((p) => p.state !== 'expired');
                  return (
                    <tr key={a.id} aria-label={a.deviceName ?? a.deviceId}>
                      <td>
                        <div className="strong">{a.deviceName ?? a.deviceId}</div>
                        {a.deviceSerial ? <div className="muted small">{a.deviceSerial}</div> : null}
                      </td>
                      <td>
                        <span className={a.status === 'authorized' ? 'tag ok' : 'tag bad'}>{a.statusLabel}</span>
                      </td>
                      <td>
                        {a.status === 'none' ? (
                          <p className="no-permission" role="note">
                            {noPermission()}
                          </p>
                        ) : null}
                        {current.length > 0 ? (
                          <Chips items={current.map((p) => `${p.label} · ${validityInWords(p)}`)} />
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </section>
  );
}

function CreateSite({ orgId, onCreated }: { orgId: string; onCreated(): void }) {
  const [form, setForm] = useState({
    name: '',
    address: '',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  });
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!form.name.trim()) problems.name = t('portal.noSiteName');
    if (!form.timeZone.trim()) problems.timeZone = t('portal.noTimeZone');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const site = await action.run(() =>
      call(
        api.POST('/api/orgs/{orgId}/sites', {
          params: { path: { orgId } },
          body: { name: form.name.trim(), address: form.address.trim(), timeZone: form.timeZone.trim() },
        }),
      ),
    );
    if (site) {
      setCreated(site.name);
      setForm({ ...form, name: '', address: '' });
      onCreated();
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('portal.newSite')}>
      <h3>{t('portal.newSite')}</h3>
      {created ? <Notice tone="success">{t('portal.siteCreated', { name: created })}</Notice> : null}
      <div className="grid2">
        <Field label={t('portal.siteName')} error={invalid.name ?? (action.field === 'name' ? action.error : null)}>
          {(p) => <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field
          label={t('portal.timeZone')}
          error={invalid.timeZone ?? (action.field === 'timeZone' ? action.error : null)}
        >
          {(p) => (
            <input {...p} value={form.timeZone} onChange={(e) => setForm({ ...form, timeZone: e.target.value })} />
          )}
        </Field>
      </div>
      <Field label={t('portal.address')}>
        {(p) => <input {...p} value={form.address} onChange={(e) => setForm({ ...form, address: e.target.value })} />}
      </Field>
      {action.field !== 'name' && action.field !== 'timeZone' ? <ErrorBox message={action.error} /> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        {t('portal.createSite')}
      </button>
    </form>
  );
}

function OrgMembers({ org, onOrgsChanged }: { org: Org; onOrgsChanged(): void }) {
  const detail = useLoad(() => call(api.GET('/api/orgs/{orgId}', { params: { path: { orgId: org.id } } })), [org.id]);
  const invitations = useLoad(
    () =>
      org.myRole === 'admin'
        ? call(api.GET('/api/orgs/{orgId}/invitations', { params: { path: { orgId: org.id } } }))
        : Promise.resolve([]),
    [org.id],
  );
  const account = useAccount();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'technician' | 'admin'>('technician');
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useAction();
  const manage = useAction();
  const [removing, setRemoving] = useState<Member | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const isAdmin = org.myRole === 'admin';
  const { t } = useTranslation();
  async function invite(e: FormEvent) {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setInvalid(t('portal.badEmail'));
    setInvalid(null);
    if (
      await action.run(() =>
        call(
          api.POST('/api/orgs/{orgId}/invitations', {
            params: { path: { orgId: org.id } },
            body: { email: email.trim(), role },
          }),
        ),
      )
    ) {
      setEmail('');
      invitations.reload();
    }
  }
  async function changeRole(m: Member, next: 'admin' | 'technician') {
    setNotice(null);
    const ok = await manage.run(() =>
      call(
        api.PATCH('/api/orgs/{orgId}/members/{accountId}', {
          params: { path: { orgId: org.id, accountId: m.accountId } },
          body: { role: next },
        }),
      ),
    );
    if (ok) {
      setNotice(t(next === 'admin' ? 'portal.nowAdmin' : 'portal.nowTechnician', { name: m.displayName }));
      // Demoting myself takes the admin controls away: my role comes with the organization list.
      if (m.accountId === account.id) onOrgsChanged();
    }
    detail.reload();
  }
  async function remove() {
    if (!removing) return;
    const m = removing;
    setNotice(null);
    const ok = await manage.run(() =>
      call(
        api.DELETE('/api/orgs/{orgId}/members/{accountId}', {
          params: { path: { orgId: org.id, accountId: m.accountId } },
        }),
      ),
    );
    setRemoving(null);
    if (ok) {
      if (m.accountId === account.id) return onOrgsChanged();
      setNotice(t('portal.removed', { name: m.displayName, org: org.name }));
    }
    detail.reload();
  }
  return (
    <aside className="card" aria-label={t('portal.organization')}>
      <h2>{org.name}</h2>
      <p className="muted small">{isAdmin ? t('portal.youAdmin') : t('portal.youTechnician')}</p>
      <OrgQr org={org} />
      <h3>{t('portal.members')}</h3>
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorBox message={manage.error} />
      <Async state={detail} what={t('portal.loadingMembers')}>
        {(d) => (
          <>
            {d.requireTwoFactor && !account.twoFactor ? (
              <Link className="notice warning block-link" to="/me/security">
                {t('portal.requiresTwoFactor', { org: org.name })} ›
              </Link>
            ) : null}
            {isAdmin ? (
              <label className="row">
                <input
                  type="checkbox"
                  checked={d.requireTwoFactor}
                  disabled={manage.busy}
                  onChange={async (e) => {
                    const next = e.target.checked;
                    setNotice(null);
                    const ok = await manage.run(() =>
                      call(
                        api.PUT('/api/orgs/{orgId}/security', {
                          params: { path: { orgId: org.id } },
                          body: { requireTwoFactor: next },
                        }),
                      ),
                    );
                    if (ok) setNotice(next ? t('portal.twoFactorRequired') : t('portal.twoFactorOptional'));
                    detail.reload();
                  }}
                />{' '}
                {t('portal.requireTwoFactor')}
              </label>
            ) : null}
            <ul className="plain members" aria-label={t('portal.members')}>
              {d.members.map((m) => (
                <li key={m.accountId} aria-label={m.displayName} className="member">
                  <span className="grow">
                    {m.displayName}
                    {m.accountId === account.id ? <span className="muted small"> {t('portal.you')}</span> : null}
                    {m.email ? <span className="muted small member-email">{m.email}</span> : null}
                    {d.requireTwoFactor && !m.twoFactor ? (
                      <span className="tag warn">{t('portal.noTwoFactor')}</span>
                    ) : null}
                  </span>
                  {isAdmin ? (
                    <span className="member-actions">
                      <select
                        aria-label={t('portal.roleOf', { name: m.displayName })}
                        value={m.role}
                        disabled={manage.busy}
                        onChange={(e) => void changeRole(m, e.target.value as 'admin' | 'technician')}
                      >
                        <option value="technician">{t('portal.role.technician')}</option>
                        <option value="admin">{t('portal.role.admin')}</option>
                      </select>
                      <button
                        type="button"
                        className="ghost danger-text small-btn"
                        aria-label={t('portal.removeName', { name: m.displayName })}
                        disabled={manage.busy}
                        onClick={() => setRemoving(m)}
                      >
                        {t('portal.remove')}
                      </button>
                    </span>
                  ) : (
                    <span className="tag">{roleName(m.role)}</span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </Async>
      <Confirm
        open={removing !== null}
        title={t('portal.removeTitle', { name: removing?.displayName ?? t('portal.theMember') })}
        message={t('portal.removeText', { name: removing?.displayName ?? t('portal.theMemberStart'), org: org.name })}
        confirmLabel={t('portal.remove')}
        danger
        busy={manage.busy}
        onCancel={() => setRemoving(null)}
        onConfirm={() => void remove()}
      />
      {isAdmin ? (
        <>
          {invitations.data && invitations.data.some((i) => i.status === 'pending') ? (
            <>
              <h3>{t('portal.invited')}</h3>
              <ul className="plain">
                {invitations.data
                  .filter((i) => i.status === 'pending')
                  .map((i) => (
                    <li key={i.id}>
                      {i.email} <span className="tag">{roleName(i.role)}</span>{' '}
                      <span className="muted small">{t('portal.until', { until: deadline(i.expiresAt) })}</span>
                    </li>
                  ))}
              </ul>
            </>
          ) : null}
          <form onSubmit={invite} noValidate aria-label={t('portal.inviteMember')}>
            <Field label={t('portal.inviteByEmail')} error={invalid ?? action.error}>
              {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
            <Field label={t('portal.roleLabel')}>
              {(p) => (
                <select {...p} value={role} onChange={(e) => setRole(e.target.value as 'technician' | 'admin')}>
                  <option value="technician">{t('portal.role.technician')}</option>
                  <option value="admin">{t('portal.role.admin')}</option>
                </select>
              )}
            </Field>
            <button type="submit" className="secondary" disabled={action.busy}>
              {t('portal.sendInvitation')}
            </button>
          </form>
        </>
      ) : null}
    </aside>
  );
}

/** The organization's QR ID and ID: an owner scans or types it to authorize the organization directly. */
function OrgQr({ org }: { org: Org }) {
  const src = `/api/orgs/${encodeURIComponent(org.id)}/qr.png`;
  const [failed, setFailed] = useState(false);
  const { t } = useTranslation();
  return (
    <details className="org-qr">
      <summary>{t('portal.qrTitle')}</summary>
      <p className="muted small">{t('portal.qrIntro', { org: org.name })}</p>
      {failed ? (
        <ErrorBox message={t('portal.qrFailed')} />
      ) : (
        <img
          src={src}
          alt={t('portal.qrOf', { org: org.name })}
          width={180}
          height={180}
          onError={() => setFailed(true)}
        />
      )}
      <p className="small">
        {t('portal.orgIdLabel')} <code aria-label={t('portal.orgId')}>{org.id}</code>
      </p>
      <a className="secondary small-btn" href={src} download={`${org.name.replace(/[^\w-]+/g, '-')}-qr-id.png`}>
        {t('portal.saveImage')}
      </a>
    </details>
  );
}
