// Add device: bind it to my account with the serial number and the verification code printed on its label.
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../api/client.ts';
import { ErrorBox, Field, Page } from '../components/ui.tsx';
import { useAction } from '../lib/hooks.ts';
import { CameraScanner, decodeImageFile } from '../components/RecipientPicker.tsx';
import { parseLabelQr } from '../lib/label-qr.ts';

export function AddDevicePage() {
  const navigate = useNavigate();
  const [serial, setSerial] = useState('');
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
      setScanProblem(
        text
          ? 'This QR code does not hold a serial number and verification code. Type them in from the label.'
          : 'No QR code was found in the picture. Try a sharper photo, or type the numbers in.',
      );
      return;
    }
    setScanProblem(null);
    setSerial(found.serial);
    setCode(found.code);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^[A-Za-z0-9-]{4,32}$/.test(serial.trim()))
      problems.serial = 'The serial number has 4 to 32 letters, digits or dashes.';
    if (!code.trim()) problems.verificationCode = 'Enter the verification code from the label.';
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const device = await action.run(() =>
      call(api.POST('/api/devices/bind', { body: { serial: serial.trim(), verificationCode: code.trim() } })),
    );
    if (device) navigate('/', { state: { notice: `${device.name} was added to your devices.` } });
  }

  return (
    <Page title="Add device" back="/">
      <form className="card" onSubmit={submit} noValidate>
        <p className="muted small">
          Scan the QR code on the label of the camera or recorder (or its box), or type in the serial number and
          verification code printed next to it.
        </p>
        <div className="stack">
          {canScan ? (
            scanning ? (
              <CameraScanner onText={fromLabel} onClose={() => setScanning(false)} onError={setScanProblem} />
            ) : (
              <button type="button" className="secondary block" onClick={() => setScanning(true)}>
                Scan the label’s QR code
              </button>
            )
          ) : null}
          <label className="secondary block file-button">
            Use a photo of the label
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
        <Field label="Serial number" error={invalid.serial ?? (action.field === 'serial' ? action.error : null)}>
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
          label="Verification code"
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
        <button type="submit" className="primary block" disabled={action.busy}>
          {action.busy ? 'Adding…' : 'Add device'}
        </button>
      </form>
    </Page>
  );
}
