// "Notifications on this device": opting this browser in or out of push notifications.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../api/client.ts';
import { pushState, turnPushOff, turnPushOn, type PushState } from '../lib/push.ts';

export function PushToggle() {
  const { t } = useTranslation();
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void pushState().then(setState);
  }, []);
  const change = async (on: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setState(await (on ? turnPushOn() : turnPushOff()));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  if (state === null) return null;
  return (
    <div className="card push-toggle">
      <label className="switch-row">
        <span>
          <span className="strong">{t('push.title')}</span>
          <span className="muted small">
            {state === 'unsupported' ? t('push.unsupported') : state === 'denied' ? t('push.denied') : t('push.hint')}
          </span>
        </span>
        <input
          type="checkbox"
          role="switch"
          checked={state === 'on'}
          disabled={busy || state === 'unsupported' || state === 'denied'}
          onChange={(e) => void change(e.currentTarget.checked)}
        />
      </label>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
