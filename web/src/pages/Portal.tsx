// Installer portal: my organization, its members, its sites. Comfortable on a desktop, usable on a phone.
import { useState, type FormEvent } from 'react';
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

export const SITE_STATUS: Record<string, { text: string; tone: string }> = {
  not_invited: { text: 'Not Invited', tone: 'warn' },
  invited: { text: 'Invited', tone: 'info' },
  handed_over: { text: 'Handed over', tone: 'ok' },
  declined: { text: 'Declined', tone: 'bad' },
  expired: { text: 'Invitation expired', tone: 'bad' },
  cancelled: { text: 'Invitation cancelled', tone: '' },
};

export function PortalPage() {
  const loaded = useLoad(() => call(api.GET('/api/orgs')), []);
  const role = useRole();
  // Creating, joining or leaving an organization changes the navigation too.
  const orgs = { ...loaded, reload: () => (loaded.reload(), role.refresh()) };
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <Page title="Installer portal" wide>
      <JoinInvitations onJoined={orgs.reload} />
      <Async state={orgs} what="Loading your organizations" isEmpty={() => false}>
        {(list) => {
          if (list.length === 0) return <CreateOrg onCreated={orgs.reload} />;
          const org = list.find((o) => o.id === chosen) ?? list[0]!;
          return (
            <>
              {list.length > 1 ? (
                <Field label="Organization">
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
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setInvalid('Give your company a name.');
    setInvalid(null);
    if (await action.run(() => call(api.POST('/api/orgs', { body: { name: name.trim() } })))) onCreated();
  }
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h2>Create your organization</h2>
      <p className="muted">
        Installers work as an organization: its members manage sites, hand them over to their owners and ask owners for
        permissions.
      </p>
      <Field label="Organization name" error={invalid ?? action.error}>
        {(p) => <input {...p} name="orgName" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={action.busy}>
        Create organization
      </button>
    </form>
  );
}

function JoinInvitations({ onJoined }: { onJoined(): void }) {
  const invitations = useLoad(() => call(api.GET('/api/me/org-invitations')), []);
  const action = useAction();
  if (!invitations.data || invitations.data.length === 0) return null;
  return (
    <section className="card" aria-label="Invitations to join">
      <h2>Invitations to join</h2>
      <ErrorBox message={action.error} />
      <ul className="list">
        {invitations.data.map((i) => (
          <li key={i.id} className="spread">
            <span>
              <strong>{i.orgName ?? 'An organization'}</strong> invites you as {i.role}
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
                  {answer === 'accept' ? 'Join' : 'Decline'}
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
  return (
    <div className="portal-grid">
      <div>
        <div className="spread">
          <h2>Sites</h2>
        </div>
        <Async
          state={sites}
          what="Loading the sites"
          empty="No sites yet. Create one for each customer location you install."
        >
          {(list) => (
            <div className="table-wrap">
              <table aria-label="Sites">
                <thead>
                  <tr>
                    <th>Site</th>
                    <th>Status</th>
                    <th>Devices</th>
                    <th>No permission</th>
                    <th>Exceptions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => {
                    const status = SITE_STATUS[s.status] ?? { text: s.status, tone: '' };
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
                            <span className="tag bad" aria-label={`${openBySite.get(s.id)} open exceptions`}>
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
              <Link to={`/portal/orgs/${org.id}/webhooks`}>Webhooks</Link>
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
  return (
    <section aria-label="Authorized devices">
      <h2>Authorized devices</h2>
      <Async
        state={list}
        what="Loading the authorized devices"
        empty="No owner has authorized your organization on a device yet."
      >
        {(items) => (
          <div className="table-wrap">
            <table aria-label="Authorized devices">
              <thead>
                <tr>
                  <th>Device</th>
                  <th>Status</th>
                  <th>Permissions</th>
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
  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!form.name.trim()) problems.name = 'Give the site a name.';
    if (!form.timeZone.trim()) problems.timeZone = 'Give the time zone, e.g. Europe/Dublin.';
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
    <form className="card" onSubmit={submit} noValidate aria-label="New site">
      <h3>New site</h3>
      {created ? <Notice tone="success">Site {created} created.</Notice> : null}
      <div className="grid2">
        <Field label="Site name" error={invalid.name ?? (action.field === 'name' ? action.error : null)}>
          {(p) => <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label="Time zone" error={invalid.timeZone ?? (action.field === 'timeZone' ? action.error : null)}>
          {(p) => (
            <input {...p} value={form.timeZone} onChange={(e) => setForm({ ...form, timeZone: e.target.value })} />
          )}
        </Field>
      </div>
      <Field label="Address (optional)">
        {(p) => <input {...p} value={form.address} onChange={(e) => setForm({ ...form, address: e.target.value })} />}
      </Field>
      {action.field !== 'name' && action.field !== 'timeZone' ? <ErrorBox message={action.error} /> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        Create site
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
  async function invite(e: FormEvent) {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setInvalid('Enter a valid email address.');
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
      setNotice(`${m.displayName} is now ${next === 'admin' ? 'an admin' : 'a technician'}.`);
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
      setNotice(`${m.displayName} was removed from ${org.name}.`);
    }
    detail.reload();
  }
  return (
    <aside className="card" aria-label="Organization">
      <h2>{org.name}</h2>
      <p className="muted small">You are {isAdmin ? 'an admin' : 'a technician'}.</p>
      <OrgQr org={org} />
      <h3>Members</h3>
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorBox message={manage.error} />
      <Async state={detail} what="Loading the members">
        {(d) => (
          <>
            {d.requireTwoFactor && !account.twoFactor ? (
              <Link className="notice warning block-link" to="/me/security">
                {org.name} requires two-factor login: turn it on under Me → Security to work for it ›
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
                    if (ok)
                      setNotice(next ? 'Members now need two-factor login.' : 'Two-factor login is optional again.');
                    detail.reload();
                  }}
                />{' '}
                Require two-factor login of every member
              </label>
            ) : null}
            <ul className="plain members" aria-label="Members">
              {d.members.map((m) => (
                <li key={m.accountId} aria-label={m.displayName} className="member">
                  <span className="grow">
                    {m.displayName}
                    {m.accountId === account.id ? <span className="muted small"> (you)</span> : null}
                    {m.email ? <span className="muted small member-email">{m.email}</span> : null}
                    {d.requireTwoFactor && !m.twoFactor ? <span className="tag warn">no two-factor login</span> : null}
                  </span>
                  {isAdmin ? (
                    <span className="member-actions">
                      <select
                        aria-label={`Role of ${m.displayName}`}
                        value={m.role}
                        disabled={manage.busy}
                        onChange={(e) => void changeRole(m, e.target.value as 'admin' | 'technician')}
                      >
                        <option value="technician">Technician</option>
                        <option value="admin">Admin</option>
                      </select>
                      <button
                        type="button"
                        className="ghost danger-text small-btn"
                        aria-label={`Remove ${m.displayName}`}
                        disabled={manage.busy}
                        onClick={() => setRemoving(m)}
                      >
                        Remove
                      </button>
                    </span>
                  ) : (
                    <span className="tag">{m.role}</span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </Async>
      <Confirm
        open={removing !== null}
        title={`Remove ${removing?.displayName ?? 'the member'}?`}
        message={`${removing?.displayName ?? 'The member'} will no longer see ${org.name}'s sites and devices.`}
        confirmLabel="Remove"
        danger
        busy={manage.busy}
        onCancel={() => setRemoving(null)}
        onConfirm={() => void remove()}
      />
      {isAdmin ? (
        <>
          {invitations.data && invitations.data.some((i) => i.status === 'pending') ? (
            <>
              <h3>Invited</h3>
              <ul className="plain">
                {invitations.data
                  .filter((i) => i.status === 'pending')
                  .map((i) => (
                    <li key={i.id}>
                      {i.email} <span className="tag">{i.role}</span>{' '}
                      <span className="muted small">until {deadline(i.expiresAt)}</span>
                    </li>
                  ))}
              </ul>
            </>
          ) : null}
          <form onSubmit={invite} noValidate aria-label="Invite a member">
            <Field label="Invite by email" error={invalid ?? action.error}>
              {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
            <Field label="Role">
              {(p) => (
                <select {...p} value={role} onChange={(e) => setRole(e.target.value as 'technician' | 'admin')}>
                  <option value="technician">Technician</option>
                  <option value="admin">Admin</option>
                </select>
              )}
            </Field>
            <button type="submit" className="secondary" disabled={action.busy}>
              Send invitation
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
  return (
    <details className="org-qr">
      <summary>Organization QR ID</summary>
      <p className="muted small">
        Owners scan this, or type the ID, in Keyholder under Me › Authorized Devices › Authorize an installer, to give{' '}
        {org.name} permissions directly.
      </p>
      {failed ? (
        <ErrorBox message="The QR ID could not be loaded." />
      ) : (
        <img src={src} alt={`QR ID of ${org.name}`} width={180} height={180} onError={() => setFailed(true)} />
      )}
      <p className="small">
        Organization ID: <code aria-label="Organization ID">{org.id}</code>
      </p>
      <a className="secondary small-btn" href={src} download={`${org.name.replace(/[^\w-]+/g, '-')}-qr-id.png`}>
        Save as image
      </a>
    </details>
  );
}
