// "Notifications on this device": opting this browser in or out of push notifications.
import { useEffect, useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { pushState, turnPushOff, turnPushOn, type PushState } from '../lib/push.ts';

export function PushToggle() {
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
          <span className="strong">Notifications on this device</span>
          <span className="muted small">
            {state === 'unsupported'
              ? 'This browser cannot receive notifications from Keyholder. On an iPhone, add Keyholder to the Home Screen first.'
              : state === 'denied'
                ? 'Notifications are blocked for Keyholder in this browser’s settings. Allow them there to turn this on.'
                : 'Invitations, applications, shares and ending permissions arrive even when Keyholder is closed.'}
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
