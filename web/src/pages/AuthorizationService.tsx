// A device's Authorization Service (owner): which installer organization may do what, each permission with
// its validity; edit or withdraw behind the warning the vendors show.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { label } from '../lib/permissions.ts';
import { validityInWords } from '../lib/format.ts';
import { Link, useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import {
  InstallerPermissionPicker,
  choicesBody,
  choicesFrom,
  choicesProblem,
  type PermissionChoices,
} from '../components/InstallerPermissions.tsx';
import { Async, Confirm, Dialog, ErrorBox, Notice, Page } from '../components/ui.tsx';
import { ChangePreview } from '../components/ChangePreview.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';

type Authorization = Res<'/api/devices/{id}/authorizations', 'get'>['authorizations'][number];

/** The vendors' warning before an installer's permissions change. */
export function editWarning(): string {
  return i18next.t('authz.editWarning');
}

export function AuthorizationServicePage() {
  const { id = '' } = useParams();
  const state = useLoad(() => call(api.GET('/api/devices/{id}/authorizations', { params: { path: { id } } })), [id]);
  const [notice, setNotice] = useState<string | null>(null);
  const { t } = useTranslation();
  return (
    <Page
      title={t('authz.title')}
      back={`/devices/${id}/settings`}
      actions={
        <Link className="primary small-btn" to={`/me/entrust?device=${encodeURIComponent(id)}`}>
          {t('authz.authorizeInstaller')}
        </Link>
      }
    >
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <Async state={state} what={t('authz.loading')}>
        {(d) => (
          <>
            <div className="card spread">
              <span className="strong">{d.deviceName}</span>
              <span className={d.status === 'authorized' ? 'tag ok' : 'tag'}>
                {t(d.status === 'authorized' ? 'authz.authorized' : 'authz.notAuthorized')}
              </span>
            </div>
            {d.authorizations.length === 0 ? (
              <div className="state empty">{t('authz.noneHere')}</div>
            ) : (
              d.authorizations.map((a) => (
                <OrgAuthorization
                  key={a.id}
                  deviceId={d.deviceId}
                  authorization={a}
                  onChange={(text) => {
                    setNotice(text);
                    state.reload();
                  }}
                />
              ))
            )}
          </>
        )}
      </Async>
    </Page>
  );
}

function OrgAuthorization({
  deviceId,
  authorization: a,
  onChange,
}: {
  deviceId: string;
  authorization: Authorization;
  onChange(text: string): void;
}) {
  const [editing, setEditing] = useState(false);
  const [choices, setChoices] = useState<PermissionChoices>(() => choicesFrom(a.permissions.map((p) => p.permission)));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<
    null | { kind: 'save' } | { kind: 'withdraw-all' } | { kind: 'withdraw'; permission: string; label: string }
  >(null);
  const action = useAction();
  const { t } = useTranslation();
  const path = { id: deviceId, orgId: a.org.id };

  async function confirmed() {
    if (!confirm) return;
    let done: unknown;
    if (confirm.kind === 'save') {
      done = await action.run(() =>
        call(
          api.PUT('/api/devices/{id}/authorizations/{orgId}', {
            params: { path },
            body: { permissions: choicesBody(choices) },
          }),
        ),
      );
    } else if (confirm.kind === 'withdraw-all') {
      done = await action.run(() =>
        call(api.PUT('/api/devices/{id}/authorizations/{orgId}', { params: { path }, body: { permissions: [] } })),
      );
    } else {
      const permission = confirm.permission;
      done = await action.run(() =>
        call(
          api.DELETE('/api/devices/{id}/authorizations/{orgId}/permissions/{permission}', {
            params: { path: { ...path, permission } },
          }),
        ),
      );
    }
    if (done) {
      setConfirm(null);
      setEditing(false);
      onChange(t(confirm.kind === 'save' ? 'authz.saved' : 'authz.withdrawn', { org: a.org.name }));
    }
  }

  return (
    <section className="card" aria-label={t('authz.authorizationOf', { org: a.org.name })}>
      <div className="spread">
        <h2>{a.org.name}</h2>
        <span className={a.status === 'authorized' ? 'tag ok' : 'tag'}>
          {t(a.status === 'authorized' ? 'authz.authorized' : 'authz.notAuthorized')}
        </span>
      </div>
      {a.permissions.length === 0 ? (
        <p className="no-permission">{t('authz.noPermission')}</p>
      ) : (
        <ul className="list" aria-label={t('authz.permissionsOf', { org: a.org.name })}>
          {a.permissions.map((p) => (
            <li key={p.permission} className="spread">
              <span>
                <span className="strong">{label(p.permission)}</span>
                <span className="muted small" style={{ display: 'block' }}>
                  {validityInWords(p)}
                </span>
              </span>
              <button
                type="button"
                className="ghost danger-text"
                onClick={() => setConfirm({ kind: 'withdraw', permission: p.permission, label: label(p.permission) })}
              >
                {t('authz.withdraw')} <span className="sr-only">{label(p.permission)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {a.permissions.length > 0 ? (
          <button type="button" className="secondary" onClick={() => setConfirm({ kind: 'withdraw-all' })}>
            {t('authz.withdrawAll')}
          </button>
        ) : null}
        <button
          type="button"
          className="primary"
          onClick={() => {
            setChoices(choicesFrom(a.permissions.map((p) => p.permission)));
            setEditing(true);
          }}
        >
          {t('authz.edit')}
        </button>
      </div>
      <Dialog
        open={editing && !confirm}
        title={t('authz.permissionsOf', { org: a.org.name })}
        onClose={() => setEditing(false)}
        footer={
          <>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => {
                const problem = choicesProblem(choices);
                setInvalid(problem);
                if (!problem) setConfirm({ kind: 'save' });
              }}
            >
              {t('common.ok')}
            </button>
          </>
        }
      >
        <InstallerPermissionPicker value={choices} onChange={setChoices} />
        <ErrorBox message={invalid} />
      </Dialog>
      <Confirm
        open={confirm !== null}
        title={
          confirm?.kind === 'withdraw'
            ? t('authz.withdrawOne', { permission: confirm.label })
            : confirm?.kind === 'withdraw-all'
              ? t('authz.withdrawAllTitle')
              : t('authz.saveTitle')
        }
        message={
          <>
            <p>{t('authz.editWarning')}</p>
            {confirm ? (
              <ChangePreview
                request={
                  confirm.kind === 'withdraw'
                    ? { kind: 'authorization.withdraw', deviceId, orgId: a.org.id, permission: confirm.permission }
                    : {
                        kind: 'authorization.set',
                        deviceId,
                        orgId: a.org.id,
                        permissions: confirm.kind === 'save' ? choicesBody(choices) : [],
                      }
                }
              />
            ) : null}
          </>
        }
        busy={action.busy}
        error={action.error}
        onCancel={() => setConfirm(null)}
        onConfirm={confirmed}
      />
    </section>
  );
}
