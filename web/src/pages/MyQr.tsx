// My QR ID: others scan it (or a saved image of it) to pick me as a recipient without typing my email.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  const { t } = useTranslation();
  const src = `/api/me/qr.png?v=${version}`;

  return (
    <Page title={t('me.qr')} back="/me">
      <div className="card qr-box">
        {failed ? (
          <p className="state error" role="alert">
            {t('qr.failed')}
          </p>
        ) : (
          <img
            src={src}
            alt={t('qr.alt', { name: account.displayName })}
            width={280}
            height={280}
            onError={() => setFailed(true)}
            onLoad={() => setFailed(false)}
          />
        )}
        <div>
          <div className="strong">{account.displayName}</div>
          <p className="muted small">{t('qr.intro')}</p>
        </div>
        {rotated ? <Notice tone="success">{t('qr.rotated')}</Notice> : null}
        <div className="actions" style={{ width: '100%' }}>
          <a className="primary" href={src} download="keyholder-qr-id.png">
            {t('qr.save')}
          </a>
          <button type="button" className="secondary" onClick={() => setAsking(true)}>
            {t('qr.rotate')}
          </button>
        </div>
      </div>
      <Confirm
        open={asking}
        title={t('qr.rotateTitle')}
        message={t('qr.rotateText')}
        confirmLabel={t('qr.rotateConfirm')}
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
