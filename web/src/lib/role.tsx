// Whether the signed-in person works as an installer (is a member of an organization): the installer portal is
// in their navigation and they land there after logging in; everyone else is offered it only on purpose (Me).
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, call } from '../api/client.ts';

interface RoleValue {
  /** undefined until known. */
  installer: boolean | undefined;
  refresh(): void;
}

const RoleContext = createContext<RoleValue>({ installer: false, refresh: () => {} });

export function RoleProvider({ children }: { children: ReactNode }) {
  const [installer, setInstaller] = useState<boolean | undefined>(undefined);
  const refresh = useCallback(() => {
    call(api.GET('/api/orgs')).then(
      (orgs) => setInstaller(orgs.length > 0),
      () => setInstaller((known) => known ?? false),
    );
  }, []);
  useEffect(refresh, [refresh]);
  return <RoleContext.Provider value={{ installer, refresh }}>{children}</RoleContext.Provider>;
}

export function useRole(): RoleValue {
  return useContext(RoleContext);
}
