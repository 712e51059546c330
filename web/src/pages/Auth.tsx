// Sign up, log in: the screens before the session exists.
import { Logo } from '../components/Logo.tsx';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, api, call } from '../api/client.ts';
import { ErrorBox, Field, Notice } from '../components/ui.tsx';
import { useAction } from '../lib/hooks.ts';
import { EMAIL_RE, PHONE_RE } from '../lib/format.ts';
import { useSession } from '../session.tsx';

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand" aria-hidden="true">
          <Logo /> {t('common.appName')}
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function LoginPage() {
  const { setAccount } = useSession();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  // Asked for once the server says this account has two-factor login on.
  const [otp, setOtp] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();
  const { t } = useTranslation();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!login.trim()) problems.login = t('auth.loginMissing');
    if (!password) problems.password = t('auth.passwordMissing');
    if (otp !== null && !otp.trim()) problems.otp = t('auth.otpMissing');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const result = await action.run(async () => {
      try {
        return await call(
          api.POST('/api/auth/login', {
            body: { login: login.trim(), password, ...(otp !== null ? { otp: otp.trim() } : {}) },
          }),
        );
      } catch (err) {
        if (err instanceof ApiError && err.code === 'two_factor_required') {
          setOtp('');
          return undefined;
        }
        throw err;
      }
    });
    // The signed-in routes take over from here and return to where the login was asked for.
    if (result) setAccount(result.account);
  }

  return (
    <AuthCard title={t('auth.logIn')}>
      <form onSubmit={submit} noValidate>
        <Field label={t('auth.login')} error={invalid.login}>
          {(p) => (
            <input
              {...p}
              name="login"
              autoComplete="username"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('auth.password')} error={invalid.password}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {otp !== null ? (
          <Field label={t('auth.otp')} hint={t('auth.otpHint')} error={invalid.otp}>
            {(p) => (
              <input
                {...p}
                name="otp"
                autoComplete="one-time-code"
                autoFocus
                value={otp}
                onChange={(e) => setOtp(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <ErrorBox message={action.error} />
        <button type="submit" className="primary block" disabled={action.busy}>
          {action.busy ? t('auth.loggingIn') : t('auth.logIn')}
        </button>
      </form>
      <p className="muted center">
        <Link to="/reset-password">{t('auth.forgot')}</Link>
      </p>
      <p className="muted center">
        {t('auth.newHere')} <Link to="/signup">{t('auth.createAccount')}</Link>
      </p>
    </AuthCard>
  );
}

export function SignUpPage() {
  const { setAccount } = useSession();
  const [form, setForm] = useState({ displayName: '', email: '', phone: '', password: '' });
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();
  const { t } = useTranslation();
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const email = form.email.trim();
    const phone = form.phone.replace(/[\s()-]/g, '');
    const problems: Record<string, string> = {};
    if (!form.displayName.trim()) problems.displayName = t('auth.nameMissing');
    if (!email && !phone) problems.email = t('auth.addressMissing');
    if (email && !EMAIL_RE.test(email)) problems.email = t('recipient.emailInvalid');
    if (phone && !PHONE_RE.test(phone)) problems.phone = t('recipient.phoneInvalid');
    if (form.password.length < 8) problems.password = t('auth.passwordShort');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const result = await action.run(async () => {
      await call(
        api.POST('/api/auth/register', {
          body: {
            displayName: form.displayName.trim(),
            password: form.password,
            ...(email ? { email } : {}),
            ...(phone ? { phone } : {}),
            ...(timeZone ? { timeZone } : {}),
          },
        }),
      );
      return call(api.POST('/api/auth/login', { body: { login: email || phone, password: form.password } }));
    });
    if (result) setAccount(result.account);
  }

  const serverField = action.field;
  return (
    <AuthCard title={t('auth.signUpTitle')}>
      <form onSubmit={submit} noValidate>
        <Field
          label={t('auth.name')}
          error={invalid.displayName ?? (serverField === 'displayName' ? action.error : null)}
        >
          {(p) => (
            <input
              {...p}
              name="displayName"
              autoComplete="name"
              value={form.displayName}
              onChange={set('displayName')}
            />
          )}
        </Field>
        <Field label={t('recipient.email')} error={invalid.email ?? (serverField === 'email' ? action.error : null)}>
          {(p) => (
            <input {...p} name="email" type="email" autoComplete="email" value={form.email} onChange={set('email')} />
          )}
        </Field>
        <Field
          label={t('auth.phoneOptional')}
          hint={t('auth.phoneHint')}
          error={invalid.phone ?? (serverField === 'phone' ? action.error : null)}
        >
          {(p) => (
            <input {...p} name="phone" type="tel" autoComplete="tel" value={form.phone} onChange={set('phone')} />
          )}
        </Field>
        <Field
          label={t('auth.password')}
          hint={t('auth.passwordHint')}
          error={invalid.password ?? (serverField === 'password' ? action.error : null)}
        >
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set('password')}
            />
          )}
        </Field>
        {!serverField ? <ErrorBox message={action.error} /> : null}
        <button type="submit" className="primary block" disabled={action.busy}>
          {action.busy ? t('auth.creating') : t('auth.signUp')}
        </button>
      </form>
      <p className="muted center">
        {t('auth.haveAccount')} <Link to="/login">{t('auth.logIn')}</Link>
      </p>
    </AuthCard>
  );
}

/** Forgot password: a code goes to the verified email or phone; with it, a new password. */
export function ResetPasswordPage() {
  const [login, setLogin] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();
  const { t } = useTranslation();

  async function ask(e: FormEvent) {
    e.preventDefault();
    if (!login.trim()) return setInvalid({ login: t('auth.loginMissing') });
    setInvalid({});
    const r = await action.run(() => call(api.POST('/api/auth/password-reset', { body: { login: login.trim() } })));
    if (r) setSent(r.detail);
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^\d{8}$/.test(code.replace(/\s/g, ''))) problems.code = t('auth.eightDigits');
    if (password.length < 8) problems.newPassword = t('auth.passwordShort');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const r = await action.run(() =>
      call(
        api.POST('/api/auth/password-reset/confirm', {
          body: { login: login.trim(), code: code.replace(/\s/g, ''), newPassword: password },
        }),
      ),
    );
    if (r) setDone(true);
  }

  if (done)
    return (
      <AuthCard title={t('auth.changed')}>
        <Notice tone="success">{t('auth.changedText')}</Notice>
        <Link className="primary block" to="/login">
          {t('auth.logIn')}
        </Link>
      </AuthCard>
    );
  return (
    <AuthCard title={t('auth.resetTitle')}>
      {sent === null ? (
        <form onSubmit={ask} noValidate>
          <Field label={t('auth.login')} error={invalid.login ?? (action.field === 'login' ? action.error : null)}>
            {(p) => (
              <input
                {...p}
                name="login"
                autoComplete="username"
                value={login}
                onChange={(e) => setLogin(e.target.value)}
              />
            )}
          </Field>
          {action.field ? null : <ErrorBox message={action.error} />}
          <button type="submit" className="primary block" disabled={action.busy}>
            {t('auth.sendCode')}
          </button>
        </form>
      ) : (
        <form onSubmit={confirm} noValidate>
          <Notice>{sent}</Notice>
          <Field label={t('auth.code')} error={invalid.code ?? (action.field === 'code' ? action.error : null)}>
            {(p) => (
              <input
                {...p}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            )}
          </Field>
          <Field
            label={t('auth.newPassword')}
            hint={t('auth.passwordHint')}
            error={invalid.newPassword ?? (action.field === 'newPassword' ? action.error : null)}
          >
            {(p) => (
              <input
                {...p}
                name="newPassword"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          {action.field === 'code' || action.field === 'newPassword' ? null : <ErrorBox message={action.error} />}
          <button type="submit" className="primary block" disabled={action.busy}>
            {t('auth.setPassword')}
          </button>
        </form>
      )}
      <p className="muted center">
        <Link to="/login">{t('auth.backToLogin')}</Link>
      </p>
    </AuthCard>
  );
}
