// A handover invitation seen by the invitee: the site's devices become theirs; they choose, per device and
// permission, what the installer keeps.
import { useState } from 'react';
import i18next from 'i18next';
import { Trans } from 'react-i18next';
import { label } from '../lib/permissions.ts';
import { Link } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice } from '../components/ui.tsx';
import { ChangePreview } from '../components/ChangePreview.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { deadline } from '../lib/format.ts';

type Invitation = Res<'/api/handover-invitations/{invitationId}', 'get'>;

export function HandoverInvitation({ invitationId }: { invitationId: string }) {
  const invitation = useLoad(
    () => call(api.GET('/api/handover-invitations/{invitationId}', { params: { path: { invitationId } } })),
    [invitationId],
  );
  return (
    <Async state={invitation} what={i18next.t('handover.loading')}>
      {(inv) =>
        inv.status === 'pending' ? <Decide invitation={inv} onDone={invitation.reload} /> : <Outcome invitation={inv} />
      }
    </Async>
  );
}

function Outcome({ invitation }: { invitation: Invitation }) {
  const kept = (invitation.agreed ?? []).filter((d) => d.permissions.length > 0);
  return (
    <section className="card" aria-label={i18next.t('handover.result')}>
      <Notice tone={invitation.status === 'accepted' ? 'success' : 'info'}>
        {i18next.t(`handover.status.${invitation.status}`, {
          defaultValue: i18next.t('handover.statusOther', { status: invitation.status }),
        })}
      </Notice>
      {invitation.status === 'accepted' ? (
        <>
          {kept.length > 0 ? (
            <>
              <p>
                <Trans i18nKey="handover.keeps" values={{ org: invitation.org.name }} components={{ b: <strong /> }} />
              </p>
              <ul>
                {kept.map((d) => (
                  <li key={d.deviceId}>
                    {d.name}: {d.permissions.map((p) => `${label(p.permission)} (${p.description})`).join(', ')}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>{i18next.t('handover.keepsNothing', { org: invitation.org.name })}</p>
          )}
          <p className="muted small">{i18next.t('handover.changeLater')}</p>
          <Link className="primary block" to="/">
            {i18next.t('handover.goToDevices')}
          </Link>
        </>
      ) : null}
    </section>
  );
}

function Decide({ invitation, onDone }: { invitation: Invitation; onDone(): void }) {
  const [chosen, setChosen] = useState<Record<string, string[]>>(() =>
    Object.fromEntries(invitation.devices.map((d) => [d.deviceId, d.permissions.map((p) => p.permission)])),
  );
  // Installers name devices for their own records ("Coastal I-Series NVR" twice); the new owner may rename them.
  const [names, setNames] = useState<Record<string, string>>(() =>
    Object.fromEntries(invitation.devices.map((d) => [d.deviceId, d.name])),
  );
  const [declining, setDeclining] = useState(false);
  const accept = useAction();
  const decline = useAction();
  const toggle = (deviceId: string, permission: string, on: boolean) =>
    setChosen((c) => ({
      ...c,
      [deviceId]: on ? [...(c[deviceId] ?? []), permission] : (c[deviceId] ?? []).filter((p) => p !== permission),
    }));

  return (
    <section className="card" aria-label={i18next.t('handover.label')}>
      <h2>{i18next.t('handover.takeOver', { site: invitation.siteName })}</h2>
      <p className="muted small">
        <Trans i18nKey="handover.from" values={{ org: invitation.org.name }} components={{ b: <strong /> }} />
        {invitation.siteAddress ? ` · ${invitation.siteAddress}` : ''} ·{' '}
        {i18next.t('handover.validUntil', { when: deadline(invitation.expiresAt) })}
      </p>
      <p>{i18next.t('handover.intro')}</p>
      {invitation.devices.map((d) => (
        <fieldset key={d.deviceId}>
          <legend>
            {d.name}{' '}
            <span className="muted small">
              ({d.model} · {d.serial})
            </span>
          </legend>
          <Field label={i18next.t('handover.nameOnAccount')}>
            {(p) => (
              <input
                {...p}
                value={names[d.deviceId] ?? ''}
                maxLength={100}
                onChange={(e) => setNames((n) => ({ ...n, [d.deviceId]: e.target.value }))}
              />
            )}
          </Field>
          {d.permissions.length === 0 ? <p className="muted small">{i18next.t('handover.asksNothing')}</p> : null}
          {d.permissions.map((p) => (
            <label key={p.permission} className="check">
              <input
                type="checkbox"
                checked={(chosen[d.deviceId] ?? []).includes(p.permission)}
                onChange={(e) => toggle(d.deviceId, p.permission, e.target.checked)}
              />
              <span className="grow">
                {label(p.permission)}
                <span className="hint">{p.description}</span>
              </span>
            </label>
          ))}
        </fieldset>
      ))}
      <ChangePreview
        request={{
          kind: 'handover.accept',
          invitationId: invitation.id,
          devices: invitation.devices.map((d) => ({ deviceId: d.deviceId, permissions: chosen[d.deviceId] ?? [] })),
        }}
      />
      <ErrorBox message={accept.error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setDeclining(true)}>
          {i18next.t('transfer.decline')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={accept.busy}
          onClick={async () => {
            const body = {
              devices: invitation.devices.map((d) => ({ deviceId: d.deviceId, permissions: chosen[d.deviceId] ?? [] })),
            };
            const renamed = invitation.devices.filter((d) => {
              const name = names[d.deviceId]?.trim();
              return name && name !== d.name;
            });
            if (
              await accept.run(async () => {
                await call(
                  api.POST('/api/handover-invitations/{invitationId}/accept', {
                    params: { path: { invitationId: invitation.id } },
                    body,
                  }),
                );
                // The devices are mine now: my names for them.
                for (const d of renamed)
                  await call(
                    api.PATCH('/api/devices/{id}', {
                      params: { path: { id: d.deviceId } },
                      body: { name: names[d.deviceId]!.trim() },
                    }),
                  );
                return true;
              })
            )
              onDone();
          }}
        >
          {accept.busy ? i18next.t('handover.accepting') : i18next.t('transfer.accept')}
        </button>
      </div>
      <Confirm
        open={declining}
        title={i18next.t('handover.declineTitle')}
        message={i18next.t('handover.declineText', { org: invitation.org.name })}
        confirmLabel={i18next.t('transfer.decline')}
        danger
        busy={decline.busy}
        error={decline.error}
        onCancel={() => setDeclining(false)}
        onConfirm={async () => {
          if (
            await decline.run(() =>
              call(
                api.POST('/api/handover-invitations/{invitationId}/decline', {
                  params: { path: { invitationId: invitation.id } },
                }),
              ),
            )
          ) {
            setDeclining(false);
            onDone();
          }
        }}
      />
    </section>
  );
}
