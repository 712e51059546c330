// The owner's guest links for one device (docs/sharing.md, "Guest links"): create one for chosen channels, valid
// 15 minutes, 1 hour, 24 hours or until a chosen time, optionally single use and with a PIN; the link is shown
// once, to copy. Each link is listed with who opened it and when (address, browser), and can be revoked at once.
import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, call, type Res } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Page } from '../components/ui.tsx';
import { dateTime, fromLocalInput } from '../lib/format.ts';
import { useAction, useLoad } from '../lib/hooks.ts';

type Device = Res<'/api/devices/{id}', 'get'>;
type GuestLink = Res<'/api/devices/{id}/guest-links', 'get'>[number];
type Preset = '15m' | '1h' | '24h' | 'until';

export function GuestLinksPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const device = useLoad(() => call(api.GET('/api/devices/{id}', { params: { path: { id } } })), [id]);
  return (
    <Page title={t('guestLinks.title')} back={`/devices/${id}/settings`}>
      <Async state={device} what={t('common.loading')}>
        {(d) => <GuestLinks device={d} />}
      </Async>
    </Page>
  );
}

function GuestLinks({ device }: { device: Device }) {
  const { t } = useTranslation();
  const links = useLoad(
    () => call(api.GET('/api/devices/{id}/guest-links', { params: { path: { id: device.id } } })),
    [device.id],
  );
  const [shown, setShown] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<GuestLink | null>(null);
  const revoke = useAction();
  return (
    <>
      <p className="muted">{t('guestLinks.intro')}</p>
      <CreateForm
        device={device}
        onCreated={(url) => {
          setShown(url);
          links.reload();
        }}
      />
      {shown ? <ShownOnce url={shown} /> : null}
      <h2>{t('guestLinks.title')}</h2>
      <Async state={links} what={t('common.loading')} empty={t('guestLinks.none')}>
        {(list) => (
          <ul className="list" aria-label={t('guestLinks.title')}>
            {list.map((l) => (
              <li key={l.id} aria-label={l.label || l.id}>
                <div className="spread">
                  <span className="strong">{l.label || t('guest.title')}</span>
                  {l.status === 'active' ? (
                    <button type="button" className="ghost danger-text" onClick={() => setRevoking(l)}>
                      {t('guestLinks.revoke')}
                    </button>
                  ) : null}
                </div>
                <div className="muted small">
                  {l.channels.map((n) => device.channels.find((c) => c.number === n)?.name ?? n).join(', ')} ·{' '}
                  {l.status === 'active'
                    ? t('guestLinks.active', { when: dateTime(l.validUntil, Date.now(), true) })
                    : l.status === 'revoked'
                      ? t('guestLinks.revoked', { when: dateTime(l.revokedAt) })
                      : t('guestLinks.expired', { when: dateTime(l.validUntil) })}
                  {l.singleUse ? ` · ${t('guestLinks.single')}` : ''}
                  {l.pin ? ` · ${t('guestLinks.withPin')}` : ''}
                </div>
                <Openings link={l} />
              </li>
            ))}
          </ul>
        )}
      </Async>
      <Confirm
        open={revoking !== null}
        title={t('guestLinks.revokeTitle')}
        message={t('guestLinks.revokeText')}
        confirmLabel={t('guestLinks.revoke')}
        danger
        busy={revoke.busy}
        error={revoke.error}
        onCancel={() => setRevoking(null)}
        onConfirm={() =>
          void revoke.run(async () => {
            await call(api.DELETE('/api/guest-links/{id}', { params: { path: { id: revoking!.id } } }));
            setRevoking(null);
            links.reload();
          })
        }
      />
    </>
  );
}

function Openings({ link }: { link: GuestLink }) {
  const { t } = useTranslation();
  if (link.openings.length === 0) return <div className="muted small">{t('guestLinks.neverOpened')}</div>;
  return (
    <ul className="muted small" aria-label={t('guestLinks.openings')}>
      {link.openings.map((o, i) => (
        <li key={i}>
          {dateTime(o.at)} ·{' '}
          {o.outcome === 'opened' ? t('guestLinks.openings') : t('guestLinks.refused', { why: o.outcome })} ·{' '}
          {o.ip ?? '—'} · {o.userAgent ?? '—'}
        </li>
      ))}
    </ul>
  );
}

function ShownOnce({ url }: { url: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice success" role="status">
      <p>{t('guestLinks.created')}</p>
      <p>
        <code className="break">{url}</code>
      </p>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void navigator.clipboard?.writeText(url).then(
            () => setCopied(true),
            () => {},
          )
        }
      >
        {copied ? t('guestLinks.copied') : t('guestLinks.copy')}
      </button>
    </div>
  );
}

function CreateForm({ device, onCreated }: { device: Device; onCreated(url: string): void }) {
  const { t } = useTranslation();
  const [label, setLabel] = useState('');
  const [channels, setChannels] = useState<number[]>(device.channels.length === 1 ? [1] : []);
  const [playback, setPlayback] = useState(false);
  const [preset, setPreset] = useState<Preset>('1h');
  const [until, setUntil] = useState('');
  const [singleUse, setSingleUse] = useState(false);
  const [pin, setPin] = useState('');
  const create = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run(async () => {
      const end = preset === 'until' ? fromLocalInput(until) : null;
      const created = await call(
        api.POST('/api/devices/{id}/guest-links', {
          params: { path: { id: device.id } },
          body: {
            ...(label.trim() ? { label: label.trim() } : {}),
            channels,
            playback,
            validity: preset === 'until' ? { until: end ?? 0 } : { preset },
            singleUse,
            ...(pin ? { pin } : {}),
          },
        }),
      );
      setPin('');
      onCreated(created.url);
    });
  };
  return (
    <form className="card guest-links-form" onSubmit={submit} aria-label={t('guestLinks.create')}>
      <Field label={t('guestLinks.label')}>
        {(f) => <input {...f} maxLength={60} value={label} onChange={(e) => setLabel(e.target.value)} />}
      </Field>
      <fieldset>
        <legend className="label">{t('guestLinks.channels')}</legend>
        {device.channels.map((c) => (
          <label key={c.number} className="check">
            <input
              type="checkbox"
              checked={channels.includes(c.number)}
              onChange={(e) =>
                setChannels((cs) => (e.target.checked ? [...cs, c.number] : cs.filter((n) => n !== c.number)))
              }
            />{' '}
            {c.name}
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={playback} onChange={(e) => setPlayback(e.target.checked)} />{' '}
        {t('guestLinks.playback')}
      </label>
      <fieldset>
        <legend className="label">{t('guestLinks.validity')}</legend>
        {(['15m', '1h', '24h', 'until'] as const).map((p) => (
          <label key={p} className="check">
            <input type="radio" name="guest-validity" checked={preset === p} onChange={() => setPreset(p)} />{' '}
            {t(`guestLinks.preset${p === 'until' ? 'Until' : p}`)}
          </label>
        ))}
        {preset === 'until' ? (
          <Field label={t('guestLinks.until')}>
            {(f) => (
              <input {...f} type="datetime-local" required value={until} onChange={(e) => setUntil(e.target.value)} />
            )}
          </Field>
        ) : null}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={singleUse} onChange={(e) => setSingleUse(e.target.checked)} />{' '}
        {t('guestLinks.singleUse')}
      </label>
      <Field label={t('guestLinks.pin')}>
        {(f) => (
          <input
            {...f}
            inputMode="numeric"
            autoComplete="off"
            pattern="[0-9]{4,8}"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
        )}
      </Field>
      <ErrorBox message={create.error} />
      <button type="submit" className="primary" disabled={create.busy || channels.length === 0}>
        {t('guestLinks.create')}
      </button>
    </form>
  );
}
