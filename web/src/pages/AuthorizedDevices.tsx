// Me → Service → Authorized Devices: every device of mine an installer organization is authorized on.
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { label } from '../lib/permissions.ts';
import { validityInWords } from '../lib/format.ts';
import { api, call } from '../api/client.ts';
import { Async, Chips, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';

export function AuthorizedDevicesPage() {
  const { t } = useTranslation();
  const list = useLoad(() => call(api.GET('/api/authorized-devices')), []);
  return (
    <Page
      title={t('me.authorizedDevices')}
      back="/me"
      actions={
        <Link className="primary small-btn" to="/me/entrust">
          {t('authz.authorizeInstaller')}
        </Link>
      }
    >
      <Async state={list} what={t('common.loading')} empty={t('authz.noneAnywhere')}>
        {(items) => (
          <ul className="list" aria-label={t('me.authorizedDevices')}>
            {items.map((a) => (
              <li key={a.id}>
                <Link className="list-link" to={`/devices/${a.deviceId}/authorization`}>
                  <div className="spread">
                    <span className="title">{a.deviceName ?? a.deviceId}</span>
                    <span className={a.status === 'authorized' ? 'tag ok' : 'tag'}>
                      {t(a.status === 'authorized' ? 'authz.authorized' : 'authz.notAuthorized')}
                    </span>
                  </div>
                  <div className="muted small">{a.org.name}</div>
                  {a.permissions.length > 0 ? (
                    <Chips items={a.permissions.map((p) => `${label(p.permission)} · ${validityInWords(p)}`)} />
                  ) : (
                    <p className="no-permission">{t('authz.noPermissions')}</p>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Page>
  );
}
