// A device's Authorization Service (owner): which installer organization may do what, each permission with
// its validity; edit or withdraw behind the warning the vendors show.
import { useState } from 'react';
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

export const EDIT_WARNING = "Editing permissions will affect the installer's management of your devices. Continue?";

export function AuthorizationServicePage() {
  const { id = '' } = useParams();
  const state = useLoad(() => call(api.GET('/api/devices/{id}/authorizations', { params: { path: { id } } })), [id]);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page
      title="Authorization Service"
      back={`/devices/${id}/settings`}
      actions={
        <Link className="primary small-btn" to={`/me/entrust?device=${encodeURIComponent(id)}`}>
          Authorize an installer
        </Link>
      }
    >
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <Async state={state} what="Loading the authorizations">
        {(d) => (
          <>
            <div className="card spread">
              <span className="strong">{d.deviceName}</span>
              <span className={d.status === 'authorized' ? 'tag ok' : 'tag'}>{d.statusLabel}</span>
            </div>
            {d.authorizations.length === 0 ? (
              <div className="state empty">
                No installer is authorized on this device. Installers ask for permissions through Messages, or authorize
                one yourself with Authorize an installer.
              </div>
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
      onChange(
        confirm.kind === 'save' ? `Permissions of ${a.org.name} saved.` : `Permissions of ${a.org.name} withdrawn.`,
      );
    }
  }

  return (
    <section className="card" aria-label={`Authorization of ${a.org.name}`}>
      <div className="spread">
        <h2>{a.org.name}</h2>
        <span className={a.status === 'authorized' ? 'tag ok' : 'tag'}>{a.statusLabel}</span>
      </div>
      {a.permissions.length === 0 ? (
        <p className="no-permission">The installer has no permission to operate or configure the device.</p>
      ) : (
        <ul className="list" aria-label={`Permissions of ${a.org.name}`}>
          {a.permissions.map((p) => (
            <li key={p.permission} className="spread">
              <span>
                <span className="strong">{p.label}</span>
                <span className="muted small" style={{ display: 'block' }}>
                  {validityInWords(p)}
                </span>
              </span>
              <button
                type="button"
                className="ghost danger-text"
                onClick={() => setConfirm({ kind: 'withdraw', permission: p.permission, label: p.label })}
              >
                Withdraw <span className="sr-only">{p.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {a.permissions.length > 0 ? (
          <button type="button" className="secondary" onClick={() => setConfirm({ kind: 'withdraw-all' })}>
            Withdraw all
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
          Edit permissions
        </button>
      </div>
      <Dialog
        open={editing && !confirm}
        title={`Permissions of ${a.org.name}`}
        onClose={() => setEditing(false)}
        footer={
          <>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
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
              OK
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
            ? `Withdraw ${confirm.label}?`
            : confirm?.kind === 'withdraw-all'
              ? 'Withdraw all permissions?'
              : 'Save permissions?'
        }
        message={
          <>
            <p>{EDIT_WARNING}</p>
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
