// The signed-in frame: content above, the phone app's tab bar (Home / Messages / Me) below;
// on a wide screen the same tabs sit in a side bar next to the installer portal.
import { Logo } from './Logo.tsx';
import { useEffect } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { onOpenScreen } from '../lib/push.ts';
import { useUnread } from '../lib/unread.tsx';
import { useOnline } from '../lib/online.ts';
import { useRole } from '../lib/role.tsx';
import { useTranslation } from 'react-i18next';

function TabIcon({ name }: { name: 'home' | 'messages' | 'me' | 'portal' }) {
  const paths = {
    home: 'M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z',
    messages: 'M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9l-5 4V6a1 1 0 0 1 1-1z',
    me: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-8 9c0-4 4-6 8-6s8 2 8 6',
    portal: 'M3 21V8l6-4 6 4v13M15 21V11h6v10M7 10h4M7 14h4M7 18h4',
  } as const;
  return (
    <svg
      viewBox="0 0 24 24"
      width="22"
      height="22"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinejoin="round"
      strokeLinecap="round"
    >
      <path d={paths[name]} />
    </svg>
  );
}

export function Layout() {
  const unread = useUnread();
  const online = useOnline();
  const navigate = useNavigate();
  const { installer } = useRole();
  const { t } = useTranslation();
  useEffect(() => onOpenScreen((url) => void navigate(url)), [navigate]);
  return (
    <div className="shell">
      {online ? null : (
        <p className="offline-banner" role="status">
          {t('offline.banner')}
        </p>
      )}
      <nav className="tabbar" aria-label={t('nav.main')}>
        <div className="tabbar-brand" aria-hidden="true">
          <Logo /> {t('common.appName')}
        </div>
        <NavLink to="/" end className="tab">
          <TabIcon name="home" />
          <span>{t('nav.home')}</span>
        </NavLink>
        <NavLink to="/messages" className="tab">
          <TabIcon name="messages" />
          <span>{t('nav.messages')}</span>
          {unread > 0 ? (
            <span className="badge" aria-label={t('nav.unread', { count: unread })}>
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </NavLink>
        {installer ? (
          <NavLink to="/portal" className="tab tab-portal">
            <TabIcon name="portal" />
            <span>{t('nav.portal')}</span>
          </NavLink>
        ) : null}
        <NavLink to="/me" className="tab">
          <TabIcon name="me" />
          <span>{t('nav.me')}</span>
        </NavLink>
      </nav>
      <main className="content" id="main">
        <Outlet />
      </main>
    </div>
  );
}
