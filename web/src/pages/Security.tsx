// Me → Security: password, email and phone, sessions, two-factor login with recovery codes.
import { useState, type FormEvent } from 'react';
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
  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (form.newPassword.length < 8) return setInvalid('Use at least 8 characters.');
    setInvalid(null);
    const r = await action.run(() => call(api.POST('/api/me/password', { body: form })));
    if (r) {
      setForm({ currentPassword: '', newPassword: '' });
      setDone(
        `Password changed. ${r.endedSessions === 1 ? '1 other session was' : `${r.endedSessions} other sessions were`} logged out.`,
      );
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Change password">
      <h2>Password</h2>
      <Field label="Current password" error={action.field === 'currentPassword' ? action.error : null}>
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
        label="New password"
        hint="At least 8 characters"
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
        {action.busy ? 'Changing…' : 'Change password'}
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
    <form className="card" onSubmit={submit} noValidate aria-label="Change email or phone">
      <h2>Email and phone</h2>
      <p className="muted small">A new address replaces the current one only once you enter the code sent to it.</p>
      {pending ? (
        <Link className="notice warning block-link" to="/me/verify">
          {pending} is waiting for its code ›
        </Link>
      ) : null}
      <div className="row">
        <label>
          <input type="radio" checked={channel === 'email'} onChange={() => setChannel('email')} /> Email
        </label>
        <label>
          <input type="radio" checked={channel === 'phone'} onChange={() => setChannel('phone')} /> Phone
        </label>
      </div>
      <Field
        label={channel === 'email' ? 'New email address' : 'New phone number'}
        error={action.field === channel ? action.error : null}
      >
        {(p) => <input {...p} name="newAddress" value={address} onChange={(e) => setAddress(e.target.value)} />}
      </Field>
      <Field label="Password" error={action.field === 'password' ? action.error : null}>
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
        Send a code to the new address
      </button>
    </form>
  );
}

function SessionsSection() {
  const { setAccount } = useSession();
  const sessions = useLoad(() => call(api.GET('/api/me/sessions')), []);
  const end = useAction();
  const [everywhere, setEverywhere] = useState(false);
  return (
    <section className="card" aria-label="Sessions">
      <h2>Where you are logged in</h2>
      <Async state={sessions} what="Loading your sessions">
        {(list) => (
          <ul className="list">
            {list.map((s) => (
              <li key={s.id} aria-label={`Session ${s.device}`}>
                <div className="spread">
                  <span className="strong">
                    {s.device} {s.current ? <span className="tag ok">this device</span> : null}
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
                      End
                    </button>
                  )}
                </div>
                <div className="muted small">
                  Last used {dateTime(s.lastUsedAt)}
                  {s.ip ? ` · ${s.ip}` : ''}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
      <ErrorBox message={end.error} />
      <button type="button" className="secondary block" onClick={() => setEverywhere(true)}>
        Log out everywhere
      </button>
      <Confirm
        open={everywhere}
        title="Log out everywhere?"
        message="Every session ends, this one included: you will need to log in again on each device."
        confirmLabel="Log out everywhere"
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
  return (
    <div className="notice warning" role="region" aria-label="Recovery codes">
      <p className="strong">Save these recovery codes now: they are shown only once.</p>
      <p className="small">Each one logs you in once if you lose your phone.</p>
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
  return (
    <section className="card" aria-label="Two-factor login">
      <h2>Two-factor login</h2>
      {codes ? <RecoveryCodes codes={codes} /> : null}
      <Async state={status} what="Loading">
        {(s) =>
          s.enabled ? (
            <>
              <Notice tone="success">
                On since {dateTime(s.enabledAt)}. {s.recoveryCodesLeft} recovery codes left.
              </Notice>
              <Field label="Password">
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
                  New recovery codes
                </button>
              </div>
              <Field label="Code from the app (or a recovery code)">
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
                Turn off two-factor login
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
              <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
              {/* The SVG is drawn by the server's QR library from the otpauth URI: markup, no script. */}
              <div
                className="qr"
                role="img"
                aria-label="QR code for the authenticator app"
                dangerouslySetInnerHTML={{ __html: setup.qrSvg }}
              />
              <p className="muted small">
                Or type this key: <code aria-label="Secret key">{setup.secret}</code>
              </p>
              <Field label="Code from the app">
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
                Turn on
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
              <p className="muted">
                Off. With it on, logging in also asks for a code from an authenticator app on your phone.
              </p>
              <Field label="Password">
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
                Set up two-factor login
              </button>
            </form>
          )
        }
      </Async>
    </section>
  );
}

export function SecurityPage() {
  return (
    <Page title="Security" back="/me">
      <PasswordSection />
      <TwoFactorSection />
      <SessionsSection />
      <AddressSection />
    </Page>
  );
}
