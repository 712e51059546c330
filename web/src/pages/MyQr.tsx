// My QR ID: others scan it (or a saved image of it) to pick me as a recipient without typing my email.
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { Confirm, Notice, Page } from '../components/ui.tsx';
import { useAction } from '../lib/hooks.ts';
import { useAccount } from '../session.tsx';

export function MyQrPage() {
  const account = useAccount();
  const [version, setVersion] = useState(() => Date.now());
  const [asking, setAsking] = useState(false);
  const [rotated, setRotated] = useState(false);
  const [failed, setFailed] = useState(false);
  const action = useAction();
  const src = `/api/me/qr.png?v=${version}`;

  return (
    <Page title="My QR ID" back="/me">
      <div className="card qr-box">
        {failed ? (
          <p className="state error" role="alert">
            The QR image could not be loaded. Reload the page to try again.
          </p>
        ) : (
          <img
            src={src}
            alt={`QR ID of ${account.displayName}`}
            width={280}
            height={280}
            onError={() => setFailed(true)}
            onLoad={() => setFailed(false)}
          />
        )}
        <div>
          <div className="strong">{account.displayName}</div>
          <p className="muted small">
            Let someone scan this code, or save it and send the picture, so they can share devices with you without
            typing your email. It never contains your email or phone.
          </p>
        </div>
        {rotated ? (
          <Notice tone="success">Your QR ID was replaced. Earlier pictures of it no longer work.</Notice>
        ) : null}
        <div className="actions" style={{ width: '100%' }}>
          <a className="primary" href={src} download="keyholder-qr-id.png">
            Save as image
          </a>
          <button type="button" className="secondary" onClick={() => setAsking(true)}>
            Rotate QR ID
          </button>
        </div>
      </div>
      <Confirm
        open={asking}
        title="Rotate your QR ID?"
        message="Your QR ID will be replaced by a new one. Pictures of the old code that you have shared stop working."
        confirmLabel="Rotate"
        busy={action.busy}
        error={action.error}
        onCancel={() => setAsking(false)}
        onConfirm={async () => {
          const done = await action.run(() => call(api.POST('/api/me/qr/rotate')));
          if (done) {
            setAsking(false);
            setRotated(true);
            setVersion(Date.now());
          }
        }}
      />
    </Page>
  );
}
