// Entrust directly: the owner authorizes an installer organization (picked by its id, QR text or a picture of its
// QR ID) on chosen devices, each permission with its validity — without waiting for a handover or an application.
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, call, errorMessage, type Res } from '../api/client.ts';
import {
  InstallerPermissionPicker,
  validityChoices,
  choicesBody,
  choicesFrom,
  choicesProblem,
  type PermissionChoices,
} from '../components/InstallerPermissions.tsx';
import { Async, Dialog, ErrorBox, Notice, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { deadline, validityInWords } from '../lib/format.ts';
import { label } from '../lib/permissions.ts';

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
  const { t } = useTranslation();
  const back = preselected ? `/devices/${preselected}/authorization` : '/me/authorized-devices';

  function review(e: FormEvent) {
    e.preventDefault();
    const next: typeof problems = {};
    if (!org) next.org = t('entrust.pickOrgFirst');
    if (chosen.size === 0) next.devices = t('entrust.chooseDevice');
    const body = choicesBody(choices);
    if (body.length === 0) next.permissions = t('entrust.choosePermission');
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
      <Page title={t('authz.authorizeInstaller')} back={back}>
        <Notice tone="success">{t('entrust.done', { org: done.org.name, count: done.authorizations.length })}</Notice>
        <ul className="list" aria-label={t('entrust.authorizedNow')}>
          {done.authorizations.map((a) => (
            <li key={a.id}>
              <Link className="list-link" to={`/devices/${a.deviceId}/authorization`}>
                <span className="title">{a.deviceName ?? a.deviceId}</span>
                <div className="muted small">
                  {a.permissions.map((p) => `${label(p.permission)} · ${validityInWords(p)}`).join(' · ')}
                </div>
              </Link>
            </li>
          ))}
        </ul>
        <Link className="secondary block" to="/me/authorized-devices">
          {t('me.authorizedDevices')}
        </Link>
      </Page>
    );
  }

  const chosenNames = (devices.data ?? []).filter((d) => chosen.has(d.id)).map((d) => d.name);
  return (
    <Page title={t('authz.authorizeInstaller')} back={back}>
      <p className="muted">{t('entrust.intro')}</p>
      <form className="stack" onSubmit={review} noValidate aria-label={t('authz.authorizeInstaller')}>
        <OrgPicker
          value={org}
          onChange={(o) => (setOrg(o), setProblems((p) => ({ ...p, org: undefined })))}
          error={problems.org}
        />
        <fieldset>
          <legend>{t('entrust.devices')}</legend>
          <Async state={devices} what={t('home.loading')} empty={t('entrust.noDevices')}>
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
        <InstallerPermissionPicker legend={t('entrust.permissionsLegend')} value={choices} onChange={setChoices} />
        {problems.permissions ? <small className="field-error">{problems.permissions}</small> : null}
        <ErrorBox message={action.error} />
        <button type="submit" className="primary block" disabled={action.busy}>
          {t('entrust.next')}
        </button>
      </form>
      <Dialog
        open={confirming}
        title={t('entrust.confirmTitle', { org: org?.name ?? t('entrust.theInstaller') })}
        onClose={() => setConfirming(false)}
        footer={
          <>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="primary" disabled={action.busy} onClick={() => void send()}>
              {action.busy ? t('entrust.working') : t('entrust.authorize')}
            </button>
          </>
        }
      >
        <dl className="summary">
          <dt>{t('entrust.installer')}</dt>
          <dd>{org?.name}</dd>
          <dt>{t('entrust.devices')}</dt>
          <dd>{chosenNames.join(', ')}</dd>
          <dt>{t('entrust.permissions')}</dt>
          <dd>
            <ul className="plain" aria-label={t('entrust.toGrant')}>
              {choicesBody(choices).map((p) => (
                <li key={p.permission}>
                  {label(p.permission)} (
                  {p.validity === 'until'
                    ? t('time.until', { when: deadline(p.until) })
                    : (validityChoices().find(([v]) => v === p.validity)?.[1] ?? p.validity)}
                  )
                </li>
              ))}
            </ul>
          </dd>
        </dl>
        <p className="muted small">{t('authz.editWarning')}</p>
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
  const { t } = useTranslation();

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
      <legend>{t('entrust.orgLegend')}</legend>
      {value ? (
        <div className="notice success" role="status">
          {t('entrust.installer')}: <strong>{value.name}</strong>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-ref`}>{t('entrust.orgRef')}</label>
        <div className="row">
          <input
            id={`${id}-ref`}
            className="grow"
            autoComplete="off"
            placeholder={t('entrust.orgRefPlaceholder')}
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
              if (!reference.trim()) return setProblem(t('entrust.enterOrgId'));
              void pick(() => call(api.POST('/api/orgs/resolve', { body: { reference: reference.trim() } })));
            }}
          >
            {t('entrust.find')}
          </button>
        </div>
        <small className="hint">{t('entrust.orgRefHint')}</small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-file`}>{t('entrust.orgPicture')}</label>
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
      {busy ? <p className="muted small">{t('entrust.lookingUp')}</p> : null}
      {problem || error ? (
        <small className="field-error" role="alert">
          {problem ?? error}
        </small>
      ) : null}
    </fieldset>
  );
}
