// Ownership transfer: the owner offers a device to another account (in its Settings); the other person accepts
// or declines from the message.
import { useState, type FormEvent } from 'react';
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
  function submit(e: FormEvent) {
    e.preventDefault();
    const value = to.trim();
    if (!EMAIL_RE.test(value) && !PHONE_RE.test(value.replace(/[\s()-]/g, '')))
      return setInvalid('Enter the new owner’s email address or phone number (+353…).');
    setInvalid(null);
    setAsking(true);
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Transfer ownership">
      <h3>Transfer ownership</h3>
      <p className="muted small">
        The device becomes theirs when they accept. Its shares and installer permissions then end.
      </p>
      {sent ? <Notice tone="success">{sent}</Notice> : null}
      <Field label="New owner (email or phone)" error={invalid ?? action.error}>
        {(p) => <input {...p} value={to} onChange={(e) => setTo(e.target.value)} />}
      </Field>
      <button type="submit" className="secondary">
        Offer the device
      </button>
      <Confirm
        open={asking}
        title={`Offer ${deviceName}?`}
        message={`${to.trim()} can accept it and become its owner.`}
        confirmLabel="Offer"
        busy={action.busy}
        error={action.error}
        onCancel={() => setAsking(false)}
        onConfirm={async () => {
          const t = await action.run(() =>
            call(
              api.POST('/api/devices/{id}/transfer', { params: { path: { id: deviceId } }, body: { to: to.trim() } }),
            ),
          );
          if (t) {
            setAsking(false);
            setSent(
              t.status === 'waiting'
                ? `Waiting for ${t.to.displayName} to sign up: the offer reaches them once they verify this address (until ${deadline(t.expiresAt)}).`
                : `Offered to ${t.to.displayName} until ${deadline(t.expiresAt)}.`,
            );
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
    <Async state={transfer} what="Loading the offer">
      {(t) =>
        t.status !== 'pending' ? (
          <Notice tone={t.status === 'accepted' ? 'success' : 'info'}>
            {t.status === 'accepted' ? (
              <>
                {t.device.name} is yours now. <Link to="/">Go to Home</Link>
              </>
            ) : (
              `This offer is ${t.status}.`
            )}
          </Notice>
        ) : (
          <section className="card" aria-label="Device offered">
            <p>
              <strong>{t.from.displayName}</strong> offers you <strong>{t.device.name}</strong> ({t.device.model}).
              Until {deadline(t.expiresAt)}.
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
                Decline
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
                Accept
              </button>
            </div>
          </section>
        )
      }
    </Async>
  );
}
