// Pick the person to share with: email, phone, or their personal QR ID (an uploaded picture of it, or the
// camera where the browser allows it). A QR ID is resolved to a name first so the owner sees who it is.
import { useEffect, useId, useRef, useState } from 'react';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, call, errorMessage } from '../api/client.ts';
import { EMAIL_RE, PHONE_RE } from '../lib/format.ts';

type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' },
) => { data: string } | null;

/** jsQR is large and only the camera needs it: loaded on first use. It is CommonJS, hence the interop. */
export async function loadDecoder(): Promise<Decode> {
  const mod = (await import('jsqr')) as unknown as { default: Decode | { default: Decode } };
  return typeof mod.default === 'function' ? mod.default : mod.default.default;
}

export type Recipient = { email: string } | { phone: string } | { qrText: string } | { accountId: string };

export interface RecipientState {
  mode: 'email' | 'phone' | 'qr';
  email: string;
  phone: string;
  /** A person picked from a QR ID. */
  picked: { id: string; displayName: string; qrText?: string } | null;
}

export const NO_RECIPIENT: RecipientState = { mode: 'email', email: '', phone: '', picked: null };

/** The API's recipient object, or the reason it cannot be sent yet. */
export function recipientBody(r: RecipientState): Recipient | string {
  if (r.mode === 'email') {
    const email = r.email.trim();
    if (!email) return i18next.t('recipient.emailMissing');
    return EMAIL_RE.test(email) ? { email } : i18next.t('recipient.emailInvalid');
  }
  if (r.mode === 'phone') {
    const phone = r.phone.replace(/[\s()-]/g, '');
    if (!phone) return i18next.t('recipient.phoneMissing');
    return PHONE_RE.test(phone) ? { phone } : i18next.t('recipient.phoneInvalid');
  }
  if (!r.picked) return i18next.t('recipient.qrMissing');
  return r.picked.qrText ? { qrText: r.picked.qrText } : { accountId: r.picked.id };
}

export function recipientLabel(r: RecipientState): string {
  if (r.mode === 'email') return r.email.trim();
  if (r.mode === 'phone') return r.phone.trim();
  return r.picked?.displayName ?? '';
}

export function RecipientPicker({
  value,
  onChange,
  error,
}: {
  value: RecipientState;
  onChange(next: RecipientState): void;
  error?: string | null;
}) {
  const id = useId();
  const { t } = useTranslation();
  const [qrError, setQrError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [camera, setCamera] = useState(false);
  const canUseCamera =
    typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia && window.isSecureContext;

  async function fromImage(file: File) {
    setQrError(null);
    setBusy(true);
    try {
      const person = await call(
        api.POST('/api/qr/resolve-image', {
          body: file as never,
          bodySerializer: (b: unknown) => b as BodyInit,
          headers: { 'content-type': file.type || 'image/png' },
        }),
      );
      onChange({ ...value, mode: 'qr', picked: person });
    } catch (err) {
      setQrError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function fromText(text: string) {
    setCamera(false);
    setQrError(null);
    setBusy(true);
    try {
      const person = await call(api.POST('/api/qr/resolve', { body: { text } }));
      onChange({ ...value, mode: 'qr', picked: { ...person, qrText: text } });
    } catch (err) {
      setQrError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset>
      <legend>{t('share.recipient')}</legend>
      <div className="segmented" role="radiogroup" aria-label={t('recipient.by')}>
        {(
          [
            ['email', t('recipient.email')],
            ['phone', t('recipient.phone')],
            ['qr', t('recipient.qr')],
          ] as const
        ).map(([mode, text]) => (
          <label key={mode}>
            <input
              type="radio"
              name={`${id}-mode`}
              checked={value.mode === mode}
              onChange={() => onChange({ ...value, mode })}
            />
            {text}
          </label>
        ))}
      </div>
      {value.mode === 'email' ? (
        <div className="field">
          <label htmlFor={`${id}-email`}>{t('recipient.emailLabel')}</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            value={value.email}
            onChange={(e) => onChange({ ...value, email: e.target.value })}
          />
        </div>
      ) : null}
      {value.mode === 'phone' ? (
        <div className="field">
          <label htmlFor={`${id}-phone`}>{t('recipient.phoneLabel')}</label>
          <input
            id={`${id}-phone`}
            type="tel"
            autoComplete="off"
            placeholder="+353861234567"
            value={value.phone}
            onChange={(e) => onChange({ ...value, phone: e.target.value })}
          />
        </div>
      ) : null}
      {value.mode === 'qr' ? (
        <div className="stack">
          {value.picked ? (
            <div className="notice success" role="status">
              {t('share.recipient')}: <strong>{value.picked.displayName}</strong>
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={`${id}-file`}>{t('recipient.upload')}</label>
            <input
              id={`${id}-file`}
              type="file"
              accept="image/png,image/jpeg"
              disabled={busy}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void fromImage(f);
                e.target.value = '';
              }}
            />
          </div>
          {canUseCamera ? (
            camera ? (
              <CameraScanner
                onText={(text) => void fromText(text)}
                onClose={() => setCamera(false)}
                onError={(m) => (setCamera(false), setQrError(m))}
              />
            ) : (
              <button type="button" className="secondary" onClick={() => setCamera(true)}>
                {t('recipient.scan')}
              </button>
            )
          ) : (
            <p className="hint">{t('recipient.needsHttps')}</p>
          )}
          {busy ? <p className="muted small">{t('recipient.reading')}</p> : null}
          {qrError ? (
            <small className="field-error" role="alert">
              {qrError}
            </small>
          ) : null}
        </div>
      ) : null}
      {error ? <small className="field-error">{error}</small> : null}
    </fieldset>
  );
}

/** The text of the QR code in a picture (a photo of a label, a screenshot), or null when none is found. */
export async function decodeImageFile(file: File): Promise<string | null> {
  const [decode, bitmap] = await Promise.all([loadDecoder(), createImageBitmap(file)]);
  // Phone photos are large; a QR code on a label stays readable at 1200 px.
  const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const img = g.getImageData(0, 0, canvas.width, canvas.height);
  return decode(img.data, img.width, img.height)?.data ?? null;
}

/** Live scanning with the camera: frames go through jsQR until one holds a code. */
export function CameraScanner({
  onText,
  onClose,
  onError,
}: {
  onText(text: string): void;
  onClose(): void;
  onError(message: string): void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const { t } = useTranslation();
  // The parent passes fresh closures on every render; the camera must not restart for that.
  const found = useRef(onText);
  const failed = useRef(onError);
  found.current = onText;
  failed.current = onError;
  useEffect(() => {
    let stream: MediaStream | null = null;
    let frame = 0;
    let stopped = false;
    let jsQR: Decode | null = null;
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d', { willReadFrequently: true });
    const tick = () => {
      if (stopped) return;
      const v = video.current;
      if (jsQR && v && g && v.readyState >= 2 && v.videoWidth > 0) {
        canvas.width = v.videoWidth;
        canvas.height = v.videoHeight;
        g.drawImage(v, 0, 0);
        const img = g.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
        if (code?.data) return found.current(code.data);
      }
      frame = requestAnimationFrame(tick);
    };
    loadDecoder()
      .then((decode) => {
        jsQR = decode;
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      })
      .then((s) => {
        stream = s;
        if (stopped) return;
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play();
        }
        frame = requestAnimationFrame(tick);
      })
      .catch(() => failed.current(i18next.t('recipient.noCamera')));
    return () => {
      stopped = true;
      cancelAnimationFrame(frame);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div className="camera stack">
      <video ref={video} muted playsInline aria-label={t('recipient.preview')} />
      <button type="button" className="secondary block" onClick={onClose}>
        {t('recipient.stop')}
      </button>
    </div>
  );
}
