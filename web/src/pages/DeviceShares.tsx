// The shares of one of my devices (in its Settings): who has what, until when; edit or revoke each.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { label } from '../lib/permissions.ts';
import { api, call, type Res } from '../api/client.ts';
import { validityFromApi } from '../components/pickers.tsx';
import { ShareSpecFields, specBody, specProblems, type ShareSpecState } from '../components/ShareForm.tsx';
import { Async, Chips, Confirm, Dialog, ErrorBox } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { serverError } from './ShareDevice.tsx';
import { ShareRecordingsDialog } from '../components/ShareRecordings.tsx';
import { ChangePreview } from '../components/ChangePreview.tsx';

type Share = Res<'/api/devices/{id}/shares', 'get'>[number];
type Device = Res<'/api/devices/{id}', 'get'>;

export function SharesSection({ device }: { device: Device }) {
  const shares = useLoad(
    () => call(api.GET('/api/devices/{id}/shares', { params: { path: { id: device.id } } })),
    [device.id],
  );
  const [editing, setEditing] = useState<Share | null>(null);
  const [revoking, setRevoking] = useState<Share | null>(null);
  const [recordingsOf, setRecordingsOf] = useState<Share | null>(null);
  const revoke = useAction();
  const { t } = useTranslation();
  return (
    <>
      <h2>{t('shares.title')}</h2>
      <Async state={shares} what={t('shares.loading')} empty={t('shares.none')}>
        {(list) => (
          <ul className="list" aria-label={t('shares.list')}>
            {list.map((s) => (
              <li key={s.id} aria-label={t('shares.with', { name: s.recipient.displayName })}>
                <div className="spread">
                  <span className="strong">
                    {s.recipient.displayName}{' '}
                    {s.status === 'waiting' ? (
                      <span className="tag warn">{t('shares.waiting', { address: s.waitingFor })}</span>
                    ) : null}
                  </span>
                  <span className="row">
                    {s.permissions.some((p) => p.name === 'playback') ? (
                      <button type="button" className="ghost" onClick={() => setRecordingsOf(s)}>
                        {t('shares.recordings')}
                      </button>
                    ) : null}
                    {s.status === 'active' ? (
                      <button type="button" className="ghost" onClick={() => setEditing(s)}>
                        {t('common.edit')}
                      </button>
                    ) : null}
                    <button type="button" className="ghost danger-text" onClick={() => setRevoking(s)}>
                      {t('shares.revoke')}
                    </button>
                  </span>
                </div>
                <div className="muted small">
                  {s.scope === 'device' ? t('shareMany.wholeDevice') : s.channels.map((c) => c.name).join(', ')} ·{' '}
                  {s.validityText}
                </div>
                <Chips items={s.permissions.map((p) => label(p.name))} />
              </li>
            ))}
          </ul>
        )}
      </Async>
      {editing ? (
        <EditShare
          device={device}
          share={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) shares.reload();
          }}
        />
      ) : null}
      {recordingsOf ? (
        <ShareRecordingsDialog
          shareId={recordingsOf.id!}
          recipient={recordingsOf.recipient.displayName}
          onClose={() => setRecordingsOf(null)}
        />
      ) : null}
      <Confirm
        open={revoking !== null}
        title={t('shares.stopTitle', { name: revoking?.recipient.displayName ?? '' })}
        message={
          revoking?.status === 'waiting' ? (
            t('shares.stopWaiting')
          ) : (
            <>
              <p>{t('shares.stopText')}</p>
              {revoking ? <ChangePreview request={{ kind: 'share.revoke', shareId: revoking.id! }} /> : null}
            </>
          )
        }
        confirmLabel={t('shares.revoke')}
        danger
        busy={revoke.busy}
        error={revoke.error}
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          const done = await revoke.run(() =>
            call(api.DELETE('/api/shares/{id}', { params: { path: { id: revoking!.id! } } })),
          );
          if (done) {
            setRevoking(null);
            shares.reload();
          }
        }}
      />
    </>
  );
}

function EditShare({ device, share, onClose }: { device: Device; share: Share; onClose(changed: boolean): void }) {
  const [spec, setSpec] = useState<ShareSpecState>({
    scope: share.scope,
    channels: share.scope === 'channels' ? share.channels.map((c) => c.number) : [],
    permissions: share.permissions.map((p) => p.name),
    validity: validityFromApi(share.validity),
  });
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  // Two steps: edit, then review what the change does (who gains and loses what) before it is made.
  const [reviewing, setReviewing] = useState(false);
  const { t } = useTranslation();
  const action = useAction();
  function review() {
    const problems = specProblems(spec);
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    setReviewing(true);
  }
  async function save() {
    const done = await action.run(() =>
      call(api.PATCH('/api/shares/{id}', { params: { path: { id: share.id! } }, body: specBody(spec) })),
    );
    if (done) onClose(true);
  }
  return (
    <Dialog
      open
      title={t('shares.with', { name: share.recipient.displayName })}
      onClose={() => onClose(false)}
      footer={
        <>
          {reviewing ? (
            <button type="button" className="secondary" onClick={() => setReviewing(false)}>
              {t('household.preview.back')}
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => onClose(false)}>
              {t('common.cancel')}
            </button>
          )}
          {reviewing ? (
            <button type="button" className="primary" disabled={action.busy} onClick={save}>
              {action.busy ? t('common.saving') : t('household.preview.confirm')}
            </button>
          ) : (
            <button type="button" className="primary" onClick={review}>
              {t('household.preview.review')}
            </button>
          )}
        </>
      }
    >
      {reviewing ? <ChangePreview request={{ kind: 'share.update', shareId: share.id!, ...specBody(spec) }} /> : null}
      <ShareSpecFields
        channels={device.channels}
        value={spec}
        onChange={setSpec}
        errors={{
          channels: invalid.channels ?? serverError(action, 'channels'),
          permissions: serverError(action, 'permissions'),
          validity: invalid.validity ?? serverError(action, 'validity'),
        }}
      />
      <ErrorBox message={action.field ? null : action.error} />
    </Dialog>
  );
}
