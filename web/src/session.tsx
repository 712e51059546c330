// Who is signed in. The session itself is the HttpOnly cookie; this only remembers the account for display.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { forgetPushSubscription } from './lib/push.ts';
import { currentLanguage, showLanguage } from './i18n/index.ts';
import { api, ApiError, call, onUnauthenticated, type Schemas } from './api/client.ts';

type Account = Schemas['Account'];

interface SessionValue {
  /** undefined while asking the server, null when signed out. */
  account: Account | null | undefined;
  /** The server could not be reached to find out who is signed in (asked again when the connection returns). */
  unreachable: boolean;
  setAccount(a: Account | null): void;
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [unreachable, setUnreachable] = useState(false);
  const refresh = useCallback(async () => {
    try {
      const me = await call(api.GET('/api/me'));
      // The account's language wins; an account without one takes this browser's, so mail and pushes match it.
      if (me.language) showLanguage(me.language);
      else void call(api.PUT('/api/me/language', { body: { language: currentLanguage() } })).catch(() => {});
      setAccount(me);
      setUnreachable(false);
    } catch (err) {
      // Offline is not signed out: keep waiting for the connection instead of showing the login screen.
      if (err instanceof ApiError && err.status === 0) setUnreachable(true);
      else setAccount(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
    return onUnauthenticated(() => setAccount(null));
  }, [refresh]);
  useEffect(() => {
    if (!unreachable) return;
    // Asked again when the browser says it is back online, and every few seconds (that event is not always sent).
    const retry = () => void refresh();
    window.addEventListener('online', retry);
    const timer = setInterval(retry, 5000);
    return () => {
      window.removeEventListener('online', retry);
      clearInterval(timer);
    };
  }, [unreachable, refresh]);
  const logout = useCallback(async () => {
    try {
      await forgetPushSubscription();
      await call(api.POST('/api/auth/logout'));
    } finally {
      setAccount(null);
    }
  }, []);
  return (
    <SessionContext.Provider value={{ account, unreachable, setAccount, refresh, logout }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in account (screens behind the login only). */
export function useAccount(): Account {
  const { account } = useSession();
  if (!account) throw new Error('not signed in');
  return account;
}
