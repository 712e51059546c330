// Me → Service → Share Devices (DMSS Method 2): several devices to one person, each with its own permissions;
// a preview, then all of it happens or none of it.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
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
import { Async, ErrorBox, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { labels } from '../lib/permissions.ts';
import { ShareSummary, serverError } from './ShareDevice.tsx';
import { ChangePreview } from '../components/ChangePreview.tsx';

type Chooser = Res<'/api/share-chooser', 'get'>;
type BulkResult = Res<'/api/shares/bulk/preview', 'post'>;

export function ShareDevicesPage() {
  const chooser = useLoad(() => call(api.GET('/api/share-chooser', { params: { query: { explain: '1' } } })), []);
  const { t } = useTranslation();
  return (
    <Page title={t('me.shareDevices')} back="/me">
      <Async state={chooser} what={t('home.loading')}>
        {(c) => <BulkShare chooser={c} />}
      </Async>
    </Page>
  );
}

function BulkShare({ chooser }: { chooser: Chooser }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [specs, setSpecs] = useState<Record<string, ShareSpecState>>({});
  const [open, setOpen] = useState<string | null>(null);
  const [recipient, setRecipient] = useState<RecipientState>(NO_RECIPIENT);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<BulkResult | null>(null);
  const [done, setDone] = useState<BulkResult | null>(null);
  const check = useAction();
  const send = useAction();
  const { t } = useTranslation();
  const specOf = (id: string): ShareSpecState => specs[id] ?? { ...DEFAULT_SPEC, validity: PERMANENT };

  function body() {
    const r = recipientBody(recipient);
    if (typeof r === 'string') return null;
    return { recipient: r, devices: selected.map((deviceId) => ({ deviceId, ...specBody(specOf(deviceId)) })) };
  }

  async function review(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (selected.length === 0) problems.devices = t('entrust.chooseDevice');
    for (const id of selected) {
      const p = specProblems(specOf(id));
      if (Object.keys(p).length) {
        problems[`device:${id}`] = Object.values(p)[0]!;
        setOpen(id);
      }
    }
    const r = recipientBody(recipient);
    if (typeof r === 'string') problems.recipient = r;
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const result = await check.run(() => call(api.POST('/api/shares/bulk/preview', { body: body()! })));
    if (result) setPreview(result);
  }

  if (done) {
    return (
      <div className="card" role="status">
        <h2>{t('share.shared')}</h2>
        <p>{done.confirmation}</p>
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
        {preview.shares.map((s) => (
          <ShareSummary key={s.device.id} share={s} />
        ))}
        <ChangePreview request={{ kind: 'shares.bulk', ...body()! }} />
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
              const result = await send.run(() => call(api.POST('/api/shares/bulk', { body: body()! })));
              if (result) setDone(result);
            }}
          >
            {send.busy ? t('share.sharing') : t('common.ok')}
          </button>
        </div>
      </div>
    );
  }

  return (
    <form onSubmit={review} noValidate>
      {chooser.devices.length === 0 ? (
        <div className="state empty">{t('shareMany.none')}</div>
      ) : (
        <fieldset>
          <legend>{t('entrust.devices')}</legend>
          {chooser.devices.map((d) => {
            const on = selected.includes(d.id);
            const spec = specOf(d.id);
            return (
              <div key={d.id} className="bulk-device">
                <label className="check">
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={(e) =>
                      setSelected(e.target.checked ? [...selected, d.id] : selected.filter((x) => x !== d.id))
                    }
                  />
                  <span className="grow">
                    {d.name} <span className="muted small">· {d.model}</span>
                  </span>
                </label>
                {on ? (
                  <div className="bulk-spec">
                    <div className="spread">
                      <span className="small">
                        {spec.scope === 'device'
                          ? t('shareMany.wholeDevice')
                          : t('home.channels', { count: spec.channels.length })}
                        {' · '}
                        {labels(spec.permissions)}
                      </span>
                      <button
                        type="button"
                        className="ghost small-btn"
                        aria-expanded={open === d.id}
                        aria-label={t('shareMany.permissionsOf', { name: d.name })}
                        onClick={() => setOpen(open === d.id ? null : d.id)}
                      >
                        {open === d.id ? t('common.close') : t('common.change')}
                      </button>
                    </div>
                    {invalid[`device:${d.id}`] ? (
                      <small className="field-error">{invalid[`device:${d.id}`]}</small>
                    ) : null}
                    {open === d.id ? (
                      <ShareSpecFields
                        channels={d.channels}
                        value={spec}
                        onChange={(next) => setSpecs({ ...specs, [d.id]: next })}
                        errors={{}}
                      />
                    ) : null}
                  </div>
                ) : null}
              </div>
            );
          })}
          {invalid.devices ? <small className="field-error">{invalid.devices}</small> : null}
        </fieldset>
      )}
      {chooser.excluded && chooser.excluded.length > 0 ? (
        <details className="card">
          <summary>{t('shareMany.whyMissing', { count: chooser.excluded.length })}</summary>
          <ul className="plain" aria-label={t('shareMany.notShareable')}>
            {chooser.excluded.map((d) => (
              <li key={d.id}>
                <strong>{d.name}</strong> <span className="muted small">— {d.detail}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <RecipientPicker
        value={recipient}
        onChange={setRecipient}
        error={invalid.recipient ?? serverError(check, 'recipient')}
      />
      <ErrorBox message={check.field?.startsWith('recipient') ? null : check.error} />
      <div className="sticky-action">
        <button type="submit" className="primary block" disabled={check.busy || chooser.devices.length === 0}>
          {check.busy ? t('verify.checking') : t('share.submit')}
        </button>
      </div>
    </form>
  );
}
