// Who is signed in. The session itself is the HttpOnly cookie; this only remembers the account for display.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, call, onUnauthenticated, type Schemas } from './api/client.ts';

type Account = Schemas['Account'];

interface SessionValue {
  /** undefined while asking the server, null when signed out. */
  account: Account | null | undefined;
  setAccount(a: Account | null): void;
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setAccount(await call(api.GET('/api/me')));
    } catch {
      setAccount(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
    return onUnauthenticated(() => setAccount(null));
  }, [refresh]);
  const logout = useCallback(async () => {
    try {
      await call(api.POST('/api/auth/logout'));
    } finally {
      setAccount(null);
    }
  }, []);
  return <SessionContext.Provider value={{ account, setAccount, refresh, logout }}>{children}</SessionContext.Provider>;
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
