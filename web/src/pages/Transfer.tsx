// Ownership transfer: the owner offers a device to another account (in its Settings); the other person accepts
// or declines from the message.
import { useState, type FormEvent } from 'react';
import i18next from 'i18next';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { EMAIL_RE, PHONE_RE, deadline } from '../lib/format.ts';

export function TransferSection({ deviceId, deviceName }: { deviceId: string; deviceName: string }) {
  const [to, setTo] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  function submit(e: FormEvent) {
    e.preventDefault();
    const value = to.trim();
    if (!EMAIL_RE.test(value) && !PHONE_RE.test(value.replace(/[\s()-]/g, '')))
      return setInvalid(t('transfer.toMissing'));
    setInvalid(null);
    setAsking(true);
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('transfer.title')}>
      <h3>{t('transfer.title')}</h3>
      <p className="muted small">{t('transfer.intro')}</p>
      {sent ? <Notice tone="success">{sent}</Notice> : null}
      <Field label={t('transfer.to')} error={invalid ?? action.error}>
        {(p) => <input {...p} value={to} onChange={(e) => setTo(e.target.value)} />}
      </Field>
      <button type="submit" className="secondary">
        {t('transfer.offer')}
      </button>
      <Confirm
        open={asking}
        title={t('transfer.offerTitle', { name: deviceName })}
        message={t('transfer.offerText', { to: to.trim() })}
        confirmLabel={t('transfer.offerConfirm')}
        busy={action.busy}
        error={action.error}
        onCancel={() => setAsking(false)}
        onConfirm={async () => {
          const offered = await action.run(() =>
            call(
              api.POST('/api/devices/{id}/transfer', { params: { path: { id: deviceId } }, body: { to: to.trim() } }),
            ),
          );
          if (offered) {
            setAsking(false);
            const facts = { name: offered.to.displayName, until: deadline(offered.expiresAt) };
            setSent(offered.status === 'waiting' ? t('transfer.waiting', facts) : t('transfer.offered', facts));
          }
        }}
      />
    </form>
  );
}

export function TransferOffer({ transferId }: { transferId: string }) {
  const transfer = useLoad(
    () => call(api.GET('/api/transfers/{id}', { params: { path: { id: transferId } } })),
    [transferId],
  );
  const action = useAction();
  return (
    <Async state={transfer} what={i18next.t('transfer.loading')}>
      {(t) =>
        t.status !== 'pending' ? (
          <Notice tone={t.status === 'accepted' ? 'success' : 'info'}>
            {t.status === 'accepted' ? (
              <>
                {i18next.t('transfer.yours', { name: t.device.name })} <Link to="/">{i18next.t('verify.goHome')}</Link>
              </>
            ) : (
              i18next.t(
                t.status === 'declined'
                  ? 'transfer.declined'
                  : t.status === 'cancelled'
                    ? 'transfer.cancelled'
                    : 'transfer.expired',
              )
            )}
          </Notice>
        ) : (
          <section className="card" aria-label={i18next.t('transfer.offeredLabel')}>
            <p>
              <Trans
                i18nKey="transfer.offers"
                values={{
                  from: t.from.displayName,
                  name: t.device.name,
                  model: t.device.model,
                  until: deadline(t.expiresAt),
                }}
                components={{ b: <strong /> }}
              />
            </p>
            <ErrorBox message={action.error} />
            <div className="actions">
              <button
                type="button"
                className="secondary"
                disabled={action.busy}
                onClick={async () =>
                  (await action.run(() =>
                    call(api.POST('/api/transfers/{id}/decline', { params: { path: { id: t.id } } })),
                  )) && transfer.reload()
                }
              >
                {i18next.t('transfer.decline')}
              </button>
              <button
                type="button"
                className="primary"
                disabled={action.busy}
                onClick={async () =>
                  (await action.run(() =>
                    call(api.POST('/api/transfers/{id}/accept', { params: { path: { id: t.id } } })),
                  )) && transfer.reload()
                }
              >
                {i18next.t('transfer.accept')}
              </button>
            </div>
          </section>
        )
      }
    </Async>
  );
}
