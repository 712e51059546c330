// Loading and submitting state for screens: every screen shows loading, empty and error states the same way.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';

export interface Loaded<T> {
  loading: boolean;
  data: T | undefined;
  error: string | null;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ loading: boolean; data: T | undefined; error: string | null }>({
    loading: true,
    data: undefined,
    error: null,
  });
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => alive && setState({ loading: false, data, error: null }),
      (err) => alive && setState({ loading: false, data: undefined, error: errorMessage(err) }),
    );
    return () => {
      alive = false;
    };
    // The caller's deps (spread) and the reload tick are the dependencies, on purpose.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export interface Action {
  busy: boolean;
  error: string | null;
  field: string | undefined;
  /** The problem's stable code (e.g. `share_exists`), for screens that offer the way out. */
  code: string | undefined;
  setError(message: string | null): void;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

/** Runs a submit: one at a time, remembers the problem's detail (and field) to show next to the form. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setErrorState] = useState<string | null>(null);
  const [field, setField] = useState<string | undefined>(undefined);
  const [code, setCode] = useState<string | undefined>(undefined);
  const running = useRef(false);
  const run = useCallback(async <T>(work: () => Promise<T>) => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setErrorState(null);
    setField(undefined);
    setCode(undefined);
    try {
      return await work();
    } catch (err) {
      setErrorState(errorMessage(err));
      setField(err instanceof ApiError ? err.field : undefined);
      setCode(err instanceof ApiError ? err.code : undefined);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  const setError = useCallback((message: string | null) => {
    setErrorState(message);
    setField(undefined);
    setCode(undefined);
  }, []);
  return { busy, error, field, code, setError, run };
}

/** Calls `refresh` every `ms` while the page is visible (live status by short polling; see docs/device-link.md). */
export function usePolling(refresh: () => void, ms: number): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, ms);
    return () => clearInterval(timer);
  }, [refresh, ms]);
}
