// Me → Security: password, email and phone, sessions, two-factor login with recovery codes.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { useAction, useLoad } from '../lib/hooks.ts';
import { useAccount, useSession } from '../session.tsx';

function PasswordSection() {
  const [form, setForm] = useState({ currentPassword: '', newPassword: '' });
  const [invalid, setInvalid] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (form.newPassword.length < 8) return setInvalid(t('security.tooShort'));
    setInvalid(null);
    const r = await action.run(() => call(api.POST('/api/me/password', { body: form })));
    if (r) {
      setForm({ currentPassword: '', newPassword: '' });
      setDone(t('security.passwordChanged', { count: r.endedSessions }));
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('security.changePassword')}>
      <h2>{t('security.password')}</h2>
      <Field label={t('security.currentPassword')} error={action.field === 'currentPassword' ? action.error : null}>
        {(p) => (
          <input
            {...p}
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            value={form.currentPassword}
            onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
          />
        )}
      </Field>
      <Field
        label={t('security.newPassword')}
        hint={t('security.passwordHint')}
        error={invalid ?? (action.field === 'newPassword' ? action.error : null)}
      >
        {(p) => (
          <input
            {...p}
            name="newPassword"
            type="password"
            autoComplete="new-password"
            value={form.newPassword}
            onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
          />
        )}
      </Field>
      {action.field ? null : <ErrorBox message={action.error} />}
      {done ? <Notice tone="success">{done}</Notice> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        {action.busy ? t('security.changing') : t('security.changePassword')}
      </button>
    </form>
  );
}

function AddressSection() {
  const account = useAccount();
  const { setAccount } = useSession();
  const [channel, setChannel] = useState<'email' | 'phone'>('email');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const a = await action.run(() =>
      channel === 'email'
        ? call(api.PUT('/api/me/email', { body: { email: address.trim(), password } }))
        : call(api.PUT('/api/me/phone', { body: { phone: address.trim(), password } })),
    );
    if (a) {
      setAccount(a);
      setAddress('');
      setPassword('');
    }
  }
  const pending = account.pendingEmail ?? account.pendingPhone;
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('security.changeAddress')}>
      <h2>{t('security.addresses')}</h2>
      <p className="muted small">{t('security.addressIntro')}</p>
      {pending ? (
        <Link className="notice warning block-link" to="/me/verify">
          {t('security.pending', { address: pending })} ›
        </Link>
      ) : null}
      <div className="row">
        <label>
          <input type="radio" checked={channel === 'email'} onChange={() => setChannel('email')} />{' '}
          {t('security.email')}
        </label>
        <label>
          <input type="radio" checked={channel === 'phone'} onChange={() => setChannel('phone')} />{' '}
          {t('security.phone')}
        </label>
      </div>
      <Field
        label={channel === 'email' ? t('security.newEmail') : t('security.newPhone')}
        error={action.field === channel ? action.error : null}
      >
        {(p) => <input {...p} name="newAddress" value={address} onChange={(e) => setAddress(e.target.value)} />}
      </Field>
      <Field label={t('security.password')} error={action.field === 'password' ? action.error : null}>
        {(p) => (
          <input
            {...p}
            name="addressPassword"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      {action.field === channel || action.field === 'password' ? null : <ErrorBox message={action.error} />}
      <button type="submit" className="secondary" disabled={action.busy}>
        {t('security.sendCode')}
      </button>
    </form>
  );
}

function SessionsSection() {
  const { setAccount } = useSession();
  const sessions = useLoad(() => call(api.GET('/api/me/sessions')), []);
  const end = useAction();
  const [everywhere, setEverywhere] = useState(false);
  const { t } = useTranslation();
  return (
    <section className="card" aria-label={t('security.sessions')}>
      <h2>{t('security.sessionsTitle')}</h2>
      <Async state={sessions} what={t('security.loadingSessions')}>
        {(list) => (
          <ul className="list">
            {list.map((s) => (
              <li key={s.id} aria-label={t('security.session', { device: s.device })}>
                <div className="spread">
                  <span className="strong">
                    {s.device} {s.current ? <span className="tag ok">{t('security.thisDevice')}</span> : null}
                  </span>
                  {s.current ? null : (
                    <button
                      type="button"
                      className="ghost danger-text"
                      disabled={end.busy}
                      onClick={async () => {
                        if (
                          await end.run(() =>
                            call(api.DELETE('/api/me/sessions/{id}', { params: { path: { id: s.id } } })),
                          )
                        )
                          sessions.reload();
                      }}
                    >
                      {t('security.end')}
                    </button>
                  )}
                </div>
                <div className="muted small">
                  {t('security.lastUsed', { when: dateTime(s.lastUsedAt) })}
                  {s.ip ? ` · ${s.ip}` : ''}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
      <ErrorBox message={end.error} />
      <button type="button" className="secondary block" onClick={() => setEverywhere(true)}>
        {t('security.logOutEverywhere')}
      </button>
      <Confirm
        open={everywhere}
        title={t('security.logOutEverywhereTitle')}
        message={t('security.logOutEverywhereText')}
        confirmLabel={t('security.logOutEverywhere')}
        danger
        busy={end.busy}
        error={end.error}
        onCancel={() => setEverywhere(false)}
        onConfirm={async () => {
          if (await end.run(() => call(api.POST('/api/me/sessions/end-all')))) setAccount(null);
        }}
      />
    </section>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  return (
    <div className="notice warning" role="region" aria-label={t('security.recoveryCodes')}>
      <p className="strong">{t('security.saveCodes')}</p>
      <p className="small">{t('security.codesUse')}</p>
      <ul className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TwoFactorSection() {
  const { refresh } = useSession();
  const status = useLoad(() => call(api.GET('/api/me/two-factor')), []);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const action = useAction();
  const reset = () => {
    setPassword('');
    setCode('');
  };
  const { t } = useTranslation();
  return (
    <section className="card" aria-label={t('security.twoFactor')}>
      <h2>{t('security.twoFactor')}</h2>
      {codes ? <RecoveryCodes codes={codes} /> : null}
      <Async state={status} what={t('security.loadingTwoFactor')}>
        {(s) =>
          s.enabled ? (
            <>
              <Notice tone="success">
                {t('security.onSince', { when: dateTime(s.enabledAt) })}{' '}
                {t('security.codesLeft', { count: s.recoveryCodesLeft })}
              </Notice>
              <Field label={t('security.password')}>
                {(p) => (
                  <input
                    {...p}
                    name="twoFactorPassword"
                    type="password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
              <ErrorBox message={action.error} />
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={action.busy}
                  onClick={async () => {
                    const r = await action.run(() =>
                      call(api.POST('/api/me/two-factor/recovery-codes', { body: { password } })),
                    );
                    if (r) {
                      setCodes(r.recoveryCodes);
                      reset();
                      status.reload();
                    }
                  }}
                >
                  {t('security.newCodes')}
                </button>
              </div>
              <Field label={t('security.disableCode')}>
                {(p) => (
                  <input
                    {...p}
                    name="disableCode"
                    autoComplete="one-time-code"
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                  />
                )}
              </Field>
              <button
                type="button"
                className="secondary danger-text"
                disabled={action.busy}
                onClick={async () => {
                  const r = await action.run(() =>
                    call(api.POST('/api/me/two-factor/disable', { body: { password, code: code.trim() } })),
                  );
                  if (r) {
                    reset();
                    setCodes(null);
                    status.reload();
                    await refresh();
                  }
                }}
              >
                {t('security.turnOff')}
              </button>
            </>
          ) : setup ? (
            <form
              onSubmit={async (e) => {
                e.preventDefault();
                const r = await action.run(() =>
                  call(api.POST('/api/me/two-factor/enable', { body: { code: code.replace(/\s/g, '') } })),
                );
                if (r) {
                  setCodes(r.recoveryCodes);
                  setSetup(null);
                  reset();
                  status.reload();
                  await refresh();
                }
              }}
              noValidate
            >
              <p>{t('security.scan')}</p>
              {/* The SVG is drawn by the server's QR library from the otpauth URI: markup, no script. */}
              <div
                className="qr"
                role="img"
                aria-label={t('security.qr')}
                dangerouslySetInnerHTML={{ __html: setup.qrSvg }}
              />
              <p className="muted small">
                {t('security.typeKey')} <code aria-label={t('security.secretKey')}>{setup.secret}</code>
              </p>
              <Field label={t('security.appCode')}>
                {(p) => (
                  <input
                    {...p}
                    name="enableCode"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                  />
                )}
              </Field>
              <ErrorBox message={action.error} />
              <button type="submit" className="primary" disabled={action.busy}>
                {t('security.turnOn')}
              </button>
            </form>
          ) : (
            <form
              onSubmit={async (e) => {
                e.preventDefault();
                const r = await action.run(() => call(api.POST('/api/me/two-factor/setup', { body: { password } })));
                if (r) {
                  setSetup(r);
                  reset();
                }
              }}
              noValidate
            >
              <p className="muted">{t('security.off')}</p>
              <Field label={t('security.password')}>
                {(p) => (
                  <input
                    {...p}
                    name="twoFactorPassword"
                    type="password"
                    autoComplete="current-password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
              <ErrorBox message={action.error} />
              <button type="submit" className="primary" disabled={action.busy}>
                {t('security.setUp')}
              </button>
            </form>
          )
        }
      </Async>
    </section>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('security.title')} back="/me">
      <PasswordSection />
      <TwoFactorSection />
      <SessionsSection />
      <AddressSection />
    </Page>
  );
}
