// Verify my email and/or phone with the 6-digit code sent to it (the dev mailbox shows it when no SMTP is set).
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../api/client.ts';
import { ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { useAction } from '../lib/hooks.ts';
import { useAccount, useSession } from '../session.tsx';

function CodeForm({ channel, address }: { channel: 'email' | 'phone'; address: string }) {
  const { setAccount } = useSession();
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const action = useAction();
  const resend = useAction();
  const { t } = useTranslation();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const clean = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(clean)) {
      setInvalid(t('verify.sixDigits'));
      return;
    }
    setInvalid(null);
    const account = await action.run(() => call(api.POST('/api/me/verify', { body: { channel, code: clean } })));
    if (account) setAccount(account);
  }

  return (
    <form
      className="card"
      onSubmit={submit}
      noValidate
      aria-label={t(channel === 'email' ? 'verify.formEmail' : 'verify.formPhone')}
    >
      <p>
        <Trans i18nKey="verify.sent" values={{ address }} components={{ b: <strong /> }} />
      </p>
      <Field label={t(channel === 'email' ? 'verify.emailCode' : 'verify.smsCode')} error={invalid}>
        {(p) => (
          <input
            {...p}
            name={`${channel}-code`}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        )}
      </Field>
      <ErrorBox message={action.error ?? resend.error} />
      {resent ? <Notice tone="success">{t('verify.resent')}</Notice> : null}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={resend.busy}
          onClick={async () =>
            setResent(
              (await resend.run(() => call(api.POST('/api/me/verify/resend', { body: { channel } })))) !== undefined,
            )
          }
        >
          {t('verify.resend')}
        </button>
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? t('verify.checking') : t(channel === 'email' ? 'verify.submitEmail' : 'verify.submitPhone')}
        </button>
      </div>
    </form>
  );
}

export function VerifyPage() {
  const account = useAccount();
  // A new address waiting for its code comes first: the current one stays until that code is entered.
  const pendingEmail = account.pendingEmail ?? (account.email && !account.emailVerified ? account.email : null);
  const pendingPhone = account.pendingPhone ?? (account.phone && !account.phoneVerified ? account.phone : null);
  const { t } = useTranslation();
  return (
    <Page title={t('verify.title')} back="/me">
      {pendingEmail ? <CodeForm channel="email" address={pendingEmail} /> : null}
      {pendingPhone ? <CodeForm channel="phone" address={pendingPhone} /> : null}
      {!pendingEmail && !pendingPhone ? (
        <>
          <Notice tone="success">{t('verify.done')}</Notice>
          <Link className="primary block" to="/">
            {t('verify.goHome')}
          </Link>
        </>
      ) : (
        <p className="muted small">
          {t('verify.why')} <Link to="/">{t('verify.skip')}</Link>
        </p>
      )}
    </Page>
  );
}
