// Share Device (one device, DMSS Method 1): what to share, with whom; a confirmation from the preview; done.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { label } from '../lib/permissions.ts';
import { Link, useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { PERMANENT } from '../components/pickers.tsx';
import { NO_RECIPIENT, RecipientPicker, recipientBody, type RecipientState } from '../components/RecipientPicker.tsx';
import {
  DEFAULT_SPEC,
  ShareSpecFields,
  specBody,
  specProblems,
  type ShareSpecState,
} from '../components/ShareForm.tsx';
import { Async, ErrorBox, Notice, Page } from '../components/ui.tsx';
import { useAction, useLoad, type Action } from '../lib/hooks.ts';

type ShareView = Res<'/api/devices/{id}/shares/preview', 'post'>;
type Device = Res<'/api/devices/{id}', 'get'>;

/** The server's problem, placed next to the field it names. */
export function serverError(action: Action, prefix: string): string | null {
  return action.field && action.field.startsWith(prefix) ? action.error : null;
}

export function ShareSummary({
  share,
}: {
  share: Pick<ShareView, 'device' | 'recipient' | 'scope' | 'channels' | 'permissions' | 'validityText'>;
}) {
  const { t } = useTranslation();
  return (
    <dl className="summary">
      <dt>{t('share.device')}</dt>
      <dd>{share.device.name}</dd>
      <dt>{t('share.channels')}</dt>
      <dd>{share.scope === 'device' ? t('share.wholeDevice') : share.channels.map((c) => c.name).join(', ')}</dd>
      <dt>{t('share.permissions')}</dt>
      <dd>{share.permissions.map((p) => label(p.name)).join(', ')}</dd>
      <dt>{t('share.validity')}</dt>
      <dd>{share.validityText}</dd>
      <dt>{t('share.recipient')}</dt>
      <dd>{share.recipient.displayName}</dd>
    </dl>
  );
}

export function ShareDevicePage() {
  const { id = '' } = useParams();
  const device = useLoad(() => call(api.GET('/api/devices/{id}', { params: { path: { id } } })), [id]);
  const { t } = useTranslation();
  return (
    <Page title={t('home.share')} back="/">
      <Async state={device} what={t('share.loadingDevice')}>
        {(d) => <ShareFlow device={d} />}
      </Async>
    </Page>
  );
}

function ShareFlow({ device }: { device: Device }) {
  const [spec, setSpec] = useState<ShareSpecState>({ ...DEFAULT_SPEC, validity: PERMANENT });
  const [recipient, setRecipient] = useState<RecipientState>(NO_RECIPIENT);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<ShareView | null>(null);
  const [done, setDone] = useState<ShareView | null>(null);
  const check = useAction();
  const send = useAction();
  const { t } = useTranslation();

  function body() {
    const r = recipientBody(recipient);
    return typeof r === 'string' ? null : { recipient: r, ...specBody(spec) };
  }

  async function review(e: FormEvent) {
    e.preventDefault();
    const problems = specProblems(spec);
    const r = recipientBody(recipient);
    if (typeof r === 'string') problems.recipient = r;
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const result = await check.run(() =>
      call(api.POST('/api/devices/{id}/shares/preview', { params: { path: { id: device.id } }, body: body()! })),
    );
    if (result) setPreview(result);
  }

  if (done) {
    return (
      <div className="card" role="status">
        <h2>{t('share.shared')}</h2>
        <p>{done.confirmation}</p>
        <ShareSummary share={done} />
        <Link className="primary block" to="/">
          {t('common.ok')}
        </Link>
      </div>
    );
  }

  if (preview) {
    return (
      <div className="card">
        <h2>{t('share.confirmTitle')}</h2>
        <p className="muted">{preview.confirmation}</p>
        <ShareSummary share={preview} />
        <ErrorBox message={send.error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setPreview(null)}>
            {t('common.back')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={send.busy}
            onClick={async () => {
              const created = await send.run(() =>
                call(api.POST('/api/devices/{id}/shares', { params: { path: { id: device.id } }, body: body()! })),
              );
              if (created) setDone(created);
            }}
          >
            {send.busy ? t('share.sharing') : t('share.confirm')}
          </button>
        </div>
      </div>
    );
  }

  const generalError =
    check.error && !['recipient', 'channels', 'permissions', 'validity'].some((f) => check.field?.startsWith(f))
      ? check.error
      : null;
  return (
    <form onSubmit={review} noValidate>
      <div className="card">
        <div className="strong">{device.name}</div>
        <div className="muted small">
          {device.model} · {t('home.channels', { count: device.channels.length })}
        </div>
      </div>
      <ShareSpecFields
        folded
        channels={device.channels}
        value={spec}
        onChange={setSpec}
        errors={{
          channels: invalid.channels ?? serverError(check, 'channels'),
          permissions: serverError(check, 'permissions'),
          validity: invalid.validity ?? serverError(check, 'validity'),
        }}
      />
      <RecipientPicker
        value={recipient}
        onChange={setRecipient}
        error={invalid.recipient ?? serverError(check, 'recipient')}
      />
      {check.code === 'share_exists' ? (
        <p>
          <Link className="secondary block" to={`/devices/${encodeURIComponent(device.id)}/settings`}>
            {t('share.editExisting')}
          </Link>
        </p>
      ) : null}
      <ErrorBox message={generalError} />
      {!device.supportsSharing ? <Notice tone="warning">{t('share.unsupported')}</Notice> : null}
      <div className="sticky-action">
        <button type="submit" className="primary block" disabled={check.busy}>
          {check.busy ? t('verify.checking') : t('share.submit')}
        </button>
      </div>
    </form>
  );
}
