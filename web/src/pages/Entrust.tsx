// Entrust directly: the owner authorizes an installer organization (picked by its id, QR text or a picture of its
// QR ID) on chosen devices, each permission with its validity — without waiting for a handover or an application.
import { useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call, errorMessage, type Res } from '../api/client.ts';
import {
  InstallerPermissionPicker,
  VALIDITY_CHOICES,
  choicesBody,
  choicesFrom,
  choicesProblem,
  type PermissionChoices,
} from '../components/InstallerPermissions.tsx';
import { Async, Dialog, ErrorBox, Notice, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { deadline } from '../lib/format.ts';
import { label } from '../lib/permissions.ts';
import { EDIT_WARNING } from './AuthorizationService.tsx';

type OrgPublic = Res<'/api/orgs/resolve', 'post'>;
type Entrusted = Res<'/api/authorizations', 'post'>;

export function EntrustPage() {
  const [params] = useSearchParams();
  const preselected = params.get('device');
  const devices = useLoad(async () => (await call(api.GET('/api/devices'))).filter((d) => d.access === 'owner'), []);
  const [org, setOrg] = useState<OrgPublic | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(preselected ? [preselected] : []));
  const [choices, setChoices] = useState<PermissionChoices>(() => choicesFrom(['live_view', 'playback']));
  const [problems, setProblems] = useState<{ org?: string; devices?: string; permissions?: string }>({});
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<Entrusted | null>(null);
  const action = useAction();
  const back = preselected ? `/devices/${preselected}/authorization` : '/me/authorized-devices';

  function review(e: FormEvent) {
    e.preventDefault();
    const next: typeof problems = {};
    if (!org) next.org = 'Pick the installer organization first: enter its ID or upload a picture of its QR ID.';
    if (chosen.size === 0) next.devices = 'Choose at least one device.';
    const body = choicesBody(choices);
    if (body.length === 0) next.permissions = 'Choose at least one permission.';
    else {
      const p = choicesProblem(choices);
      if (p) next.permissions = p;
    }
    setProblems(next);
    action.setError(null);
    if (Object.keys(next).length === 0) setConfirming(true);
  }

  async function send() {
    if (!org) return;
    const result = await action.run(() =>
      call(
        api.POST('/api/authorizations', {
          body: { org: org.id, deviceIds: [...chosen], permissions: choicesBody(choices) },
        }),
      ),
    );
    setConfirming(false);
    if (result) setDone(result);
  }

  if (done) {
    return (
      <Page title="Authorize an installer" back={back}>
        <Notice tone="success">
          {done.org.name} is authorized on{' '}
          {done.authorizations.length === 1 ? '1 device' : `${done.authorizations.length} devices`}.
        </Notice>
        <ul className="list" aria-label="Authorized now">
          {done.authorizations.map((a) => (
            <li key={a.id}>
              <Link className="list-link" to={`/devices/${a.deviceId}/authorization`}>
                <span className="title">{a.deviceName ?? a.deviceId}</span>
                <div className="muted small">{a.permissions.map((p) => `${p.label} · ${p.validity}`).join(' · ')}</div>
              </Link>
            </li>
          ))}
        </ul>
        <Link className="secondary block" to="/me/authorized-devices">
          Authorized Devices
        </Link>
      </Page>
    );
  }

  const chosenNames = (devices.data ?? []).filter((d) => chosen.has(d.id)).map((d) => d.name);
  return (
    <Page title="Authorize an installer" back={back}>
      <p className="muted">
        Give an installer organization permissions on your devices directly. You can edit or withdraw them at any time
        in each device's Authorization Service.
      </p>
      <form className="stack" onSubmit={review} noValidate aria-label="Authorize an installer">
        <OrgPicker
          value={org}
          onChange={(o) => (setOrg(o), setProblems((p) => ({ ...p, org: undefined })))}
          error={problems.org}
        />
        <fieldset>
          <legend>Devices</legend>
          <Async
            state={devices}
            what="Loading your devices"
            empty="You have no devices of your own to authorize an installer on."
          >
            {(list) => (
              <>
                {list.map((d) => (
                  <label key={d.id} className="check">
                    <input
                      type="checkbox"
                      checked={chosen.has(d.id)}
                      onChange={(e) => {
                        const next = new Set(chosen);
                        if (e.target.checked) next.add(d.id);
                        else next.delete(d.id);
                        setChosen(next);
                      }}
                    />
                    <span>
                      {d.name} <span className="muted small">{d.serial}</span>
                    </span>
                  </label>
                ))}
              </>
            )}
          </Async>
          {problems.devices ? <small className="field-error">{problems.devices}</small> : null}
        </fieldset>
        <InstallerPermissionPicker legend="Permissions for the installer" value={choices} onChange={setChoices} />
        {problems.permissions ? <small className="field-error">{problems.permissions}</small> : null}
        <ErrorBox message={action.error} />
        <button type="submit" className="primary block" disabled={action.busy}>
          Next
        </button>
      </form>
      <Dialog
        open={confirming}
        title={`Authorize ${org?.name ?? 'the installer'}?`}
        onClose={() => setConfirming(false)}
        footer={
          <>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={action.busy} onClick={() => void send()}>
              {action.busy ? 'Working…' : 'Authorize'}
            </button>
          </>
        }
      >
        <dl className="summary">
          <dt>Installer</dt>
          <dd>{org?.name}</dd>
          <dt>Devices</dt>
          <dd>{chosenNames.join(', ')}</dd>
          <dt>Permissions</dt>
          <dd>
            <ul className="plain" aria-label="Permissions to grant">
              {choicesBody(choices).map((p) => (
                <li key={p.permission}>
                  {label(p.permission)} (
                  {p.validity === 'until'
                    ? `until ${deadline(p.until)}`
                    : (VALIDITY_CHOICES.find(([v]) => v === p.validity)?.[1] ?? p.validity)}
                  )
                </li>
              ))}
            </ul>
          </dd>
        </dl>
        <p className="muted small">{EDIT_WARNING}</p>
      </Dialog>
    </Page>
  );
}

/** The installer organization, by its ID / QR text typed in, or from an uploaded picture of its QR ID. */
function OrgPicker({
  value,
  onChange,
  error,
}: {
  value: OrgPublic | null;
  onChange(org: OrgPublic | null): void;
  error?: string;
}) {
  const id = useId();
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function pick(work: () => Promise<OrgPublic>) {
    setProblem(null);
    setBusy(true);
    try {
      onChange(await work());
    } catch (err) {
      onChange(null);
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset>
      <legend>Installer organization</legend>
      {value ? (
        <div className="notice success" role="status">
          Installer: <strong>{value.name}</strong>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-ref`}>Organization ID or QR text</label>
        <div className="row">
          <input
            id={`${id}-ref`}
            className="grow"
            autoComplete="off"
            placeholder="org_…"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                if (reference.trim())
                  void pick(() => call(api.POST('/api/orgs/resolve', { body: { reference: reference.trim() } })));
              }
            }}
          />
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              if (!reference.trim()) return setProblem('Enter the organization ID the installer gave you.');
              void pick(() => call(api.POST('/api/orgs/resolve', { body: { reference: reference.trim() } })));
            }}
          >
            Find
          </button>
        </div>
        <small className="hint">The installer finds it in their portal, next to their organization's QR ID.</small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-file`}>Or upload a picture of its QR ID</label>
        <input
          id={`${id}-file`}
          type="file"
          accept="image/png,image/jpeg"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f)
              void pick(() =>
                call(
                  api.POST('/api/orgs/resolve-image', {
                    body: f as never,
                    bodySerializer: (b: unknown) => b as BodyInit,
                    headers: { 'content-type': f.type || 'image/png' },
                  }),
                ),
              );
          }}
        />
      </div>
      {busy ? <p className="muted small">Looking up the organization…</p> : null}
      {problem || error ? (
        <small className="field-error" role="alert">
          {problem ?? error}
        </small>
      ) : null}
    </fieldset>
  );
}
