// The unread message count for the tab bar badge; screens that read or act on messages call refreshUnread().
import { api, call } from '../api/client.ts';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';

const UnreadContext = createContext<{ count: number; refresh(): void }>({ count: 0, refresh: () => {} });

async function fetchUnread(): Promise<number> {
  return (await call(api.GET('/api/inbox/unread-count'))).unread;
}

export function UnreadProvider({ children }: { children: ReactNode }) {
  const [count, setCount] = useState(0);
  const refresh = useCallback(() => {
    fetchUnread().then(setCount, () => {});
  }, []);
  useEffect(() => {
    refresh();
    // Messages arrive from other people; a gentle poll keeps the badge honest without a socket.
    const timer = setInterval(refresh, 15_000);
    const onFocus = () => refresh();
    window.addEventListener('focus', onFocus);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [refresh]);
  return <UnreadContext.Provider value={{ count, refresh }}>{children}</UnreadContext.Provider>;
}

export function useUnread(): number {
  return useContext(UnreadContext).count;
}

export function useRefreshUnread(): () => void {
  return useContext(UnreadContext).refresh;
}
