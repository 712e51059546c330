// Me: who I am, my QR ID, services, the installer portal, log out.
import { Link } from 'react-router';
import { Page } from '../components/ui.tsx';
import { PushToggle } from '../components/PushToggle.tsx';
import { useAccount, useSession } from '../session.tsx';
import { useRole } from '../lib/role.tsx';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import { LANGUAGES, isLanguage, showLanguage } from '../i18n/index.ts';
import { ManagerOfAll } from './Managers.tsx';

export function MePage() {
  const account = useAccount();
  const { logout } = useSession();
  const { installer } = useRole();
  const { t, i18n } = useTranslation();
  return (
    <Page title={t('me.title')}>
      <div className="card profile">
        <div className="avatar" aria-hidden="true">
          {account.displayName.slice(0, 1).toUpperCase()}
        </div>
        <div>
          <div className="strong">{account.displayName}</div>
          {account.email ? (
            <div className="muted">
              {account.email}{' '}
              {account.emailVerified ? (
                <span className="tag ok">{t('me.verified')}</span>
              ) : (
                <span className="tag warn">{t('me.notVerified')}</span>
              )}
            </div>
          ) : null}
          {account.phone ? (
            <div className="muted">
              {account.phone}{' '}
              {account.phoneVerified ? (
                <span className="tag ok">{t('me.verified')}</span>
              ) : (
                <span className="tag warn">{t('me.notVerified')}</span>
              )}
            </div>
          ) : null}
        </div>
      </div>
      {(account.email && !account.emailVerified) || (account.phone && !account.phoneVerified) ? (
        <Link className="notice warning block-link" to="/me/verify">
          {t('me.verify')}
        </Link>
      ) : null}
      <PushToggle />
      <div className="card">
        <label className="switch-row">
          <span className="strong">{t('me.language')}</span>
          <select
            className="language-select"
            value={i18n.language}
            onChange={(e) => {
              const language = e.target.value;
              if (!isLanguage(language)) return;
              showLanguage(language);
              void call(api.PUT('/api/me/language', { body: { language } })).catch(() => {});
            }}
          >
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code} lang={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul className="menu">
        <li>
          <Link to="/me/qr">{t('me.qr')}</Link>
        </li>
        <li>
          <Link to="/me/security">{t('me.security')}</Link>
        </li>
        <li>
          <Link to="/claims">{t('claims.title')}</Link>
        </li>
        {account.isOperator ? (
          <li>
            <Link to="/operator/claims">{t('claims.operatorLink')}</Link>
          </li>
        ) : null}
      </ul>
      <h2>{t('me.service')}</h2>
      <ul className="menu" aria-label={t('me.service')}>
        <li>
          <Link to="/me/share-devices">{t('me.shareDevices')}</Link>
        </li>
        <li>
          <Link to="/me/authorized-devices">{t('me.authorizedDevices')}</Link>
        </li>
        <li>
          <Link to="/me/webhooks">{t('me.webhooks')}</Link>
        </li>
      </ul>
      <ManagerOfAll />
      {installer ? (
        <ul className="menu">
          <li>
            <Link to="/portal">{t('me.portal')}</Link>
          </li>
        </ul>
      ) : null}
      <button type="button" className="secondary block" onClick={() => void logout()}>
        {t('me.logout')}
      </button>
      {installer ? null : (
        <p className="muted small center">
          {t('me.becomeInstaller')} <Link to="/portal">{t('me.becomeInstallerLink')}</Link>
        </p>
      )}
    </Page>
  );
}
