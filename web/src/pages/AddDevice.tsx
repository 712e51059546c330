// Add device: bind it to my account with the serial number and the verification code printed on its label.
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, call } from '../api/client.ts';
import { ErrorBox, Field, Page } from '../components/ui.tsx';
import { useAction } from '../lib/hooks.ts';
import { CameraScanner, decodeImageFile } from '../components/RecipientPicker.tsx';
import { parseLabelQr } from '../lib/label-qr.ts';
import { useTranslation } from 'react-i18next';

export function AddDevicePage() {
  const navigate = useNavigate();
  const { t } = useTranslation();
  // A claim released to me links here with the serial (in the navigation state, not the address).
  const [serial, setSerial] = useState((useLocation().state as { serial?: string } | null)?.serial ?? '');
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();
  const [scanning, setScanning] = useState(false);
  const [scanProblem, setScanProblem] = useState<string | null>(null);
  const canScan = !!navigator.mediaDevices?.getUserMedia && window.isSecureContext;

  function fromLabel(text: string | null) {
    setScanning(false);
    const found = text ? parseLabelQr(text) : null;
    if (!found) {
      setScanProblem(text ? t('add.notALabel') : t('add.noCode'));
      return;
    }
    setScanProblem(null);
    setSerial(found.serial);
    setCode(found.code);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^[A-Za-z0-9-]{4,32}$/.test(serial.trim())) problems.serial = t('add.serialInvalid');
    if (!code.trim()) problems.verificationCode = t('add.codeMissing');
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const device = await action.run(() =>
      call(api.POST('/api/devices/bind', { body: { serial: serial.trim(), verificationCode: code.trim() } })),
    );
    if (device) void navigate('/', { state: { notice: t('add.added', { name: device.name }) } });
  }

  return (
    <Page title={t('add.title')} back="/">
      <form className="card" onSubmit={submit} noValidate>
        <p className="muted small">{t('add.intro')}</p>
        <div className="stack">
          {canScan ? (
            scanning ? (
              <CameraScanner onText={fromLabel} onClose={() => setScanning(false)} onError={setScanProblem} />
            ) : (
              <button type="button" className="secondary block" onClick={() => setScanning(true)}>
                {t('add.scan')}
              </button>
            )
          ) : null}
          <label className="secondary block file-button">
            {t('add.photo')}
            <input
              type="file"
              accept="image/*"
              className="visually-hidden"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void decodeImageFile(f).then(fromLabel, () => fromLabel(null));
              }}
            />
          </label>
          {scanProblem ? (
            <p className="field-error" role="alert">
              {scanProblem}
            </p>
          ) : null}
        </div>
        <Field label={t('add.serial')} error={invalid.serial ?? (action.field === 'serial' ? action.error : null)}>
          {(p) => (
            <input
              {...p}
              name="serial"
              autoCapitalize="characters"
              autoComplete="off"
              value={serial}
              onChange={(e) => setSerial(e.target.value)}
            />
          )}
        </Field>
        <Field
          label={t('add.code')}
          error={invalid.verificationCode ?? (action.field === 'verificationCode' ? action.error : null)}
        >
          {(p) => (
            <input
              {...p}
              name="verificationCode"
              autoCapitalize="characters"
              autoComplete="off"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          )}
        </Field>
        {action.field !== 'serial' && action.field !== 'verificationCode' ? <ErrorBox message={action.error} /> : null}
        {action.code === 'device_bound_elsewhere' ? (
          <div className="notice">
            <p>{t('claims.boundElsewhere')}</p>
            <Link className="secondary block" to="/claims/new" state={{ serial: serial.trim(), code: code.trim() }}>
              {t('claims.claimIt')}
            </Link>
          </div>
        ) : null}
        <button type="submit" className="primary block" disabled={action.busy}>
          {action.busy ? t('add.adding') : t('add.submit')}
        </button>
      </form>
    </Page>
  );
}
