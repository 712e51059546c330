// Ownership claims (docs/devices.md, "Claims"): file one when a device is bound to someone else, follow it, and —
// as the owner — release the device or reject the claim. The claimant's screens never show who the owner is (the
// API never tells them).
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { deadline } from '../lib/format.ts';
import { useAction, useLoad } from '../lib/hooks.ts';

type ClaimantClaim = Schemas['ClaimantClaim'];
type OwnerClaim = Schemas['OwnerClaim'];
type FileKind = 'label_photo' | 'proof_of_purchase';

/** The server's limit per file (it checks again, by the file's bytes). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

export function ClaimsPage() {
  const { t } = useTranslation();
  const state = useLoad(() => call(api.GET('/api/claims')), []);
  return (
    <Page title={t('claims.title')} back="/me">
      <Link className="primary block" to="/claims/new">
        {t('claims.newClaim')}
      </Link>
      <Async state={state} what={t('claims.loading')}>
        {(data) => (
          <>
            <h2>{t('claims.received')}</h2>
            {data.received.length === 0 ? <p className="muted">{t('claims.none')}</p> : null}
            <ul className="menu">
              {data.received.map((c) => (
                <li key={c.id}>
                  <Link to={`/claims/${c.id}`}>
                    {c.device.name} ({c.device.serial}) · <StageText claim={c} />
                  </Link>
                </li>
              ))}
            </ul>
            <h2>{t('claims.filed')}</h2>
            {data.filed.length === 0 ? <p className="muted">{t('claims.none')}</p> : null}
            <ul className="menu">
              {data.filed.map((c) => (
                <li key={c.id}>
                  <Link to={`/claims/${c.id}`}>
                    {c.device.model} {c.device.serial} · <StageText claim={c} />
                  </Link>
                </li>
              ))}
            </ul>
          </>
        )}
      </Async>
    </Page>
  );
}

function StageText({ claim }: { claim: ClaimantClaim | OwnerClaim }) {
  const { t } = useTranslation();
  if (claim.role === 'owner' && (claim.stage === 'released' || claim.stage === 'completed'))
    return <>{t(`claims.ownerStage_${claim.stage}`)}</>;
  return <>{t(`claims.stage_${claim.stage}`, { date: deadline(claim.ownerDeadline) })}</>;
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(i18next.t('common.fileUnreadable')));
    reader.readAsDataURL(file);
  });
}

export function NewClaimPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // Serial and code come from the Add device screen in the navigation state, never in the address.
  const from = (useLocation().state ?? {}) as { serial?: string; code?: string };
  const [serial, setSerial] = useState(from.serial ?? '');
  const [code, setCode] = useState(from.code ?? '');
  const [message, setMessage] = useState('');
  const [label, setLabel] = useState<File[]>([]);
  const [proof, setProof] = useState<File[]>([]);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!serial.trim()) problems.serial = t('add.serialInvalid');
    if (!code.trim()) problems.verificationCode = t('add.codeMissing');
    if (!message.trim()) problems.message = t('claims.messageMissing');
    if (label.length === 0) problems.label = t('claims.labelMissing');
    if (proof.length === 0) problems.proof = t('claims.proofMissing');
    for (const f of [...label, ...proof])
      if (f.size > MAX_FILE_BYTES)
        problems[label.includes(f) ? 'label' : 'proof'] = t('claims.fileTooBig', { name: f.name });
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    const claim = await action.run(async () => {
      const files = await Promise.all([
        ...label.map(async (f) => ({ kind: 'label_photo' as FileKind, name: f.name, data: await readBase64(f) })),
        ...proof.map(async (f) => ({ kind: 'proof_of_purchase' as FileKind, name: f.name, data: await readBase64(f) })),
      ]);
      return call(
        api.POST('/api/claims', {
          body: { serial: serial.trim(), verificationCode: code.trim(), message: message.trim(), files },
        }),
      );
    });
    if (claim) void navigate(`/claims/${claim.id}`, { replace: true });
  }

  const fieldError = (name: string) => invalid[name] ?? (action.field === name ? action.error : null);
  const fileError = (name: string) =>
    invalid[name] ?? (action.field?.startsWith('files') && name === 'proof' ? action.error : null);
  return (
    <Page title={t('claims.newTitle')} back="/claims">
      <form className="card" onSubmit={submit} noValidate>
        <p className="muted small">{t('claims.newIntro')}</p>
        <Field label={t('claims.serial')} error={fieldError('serial')}>
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
        <Field label={t('claims.code')} error={fieldError('verificationCode')}>
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
        <Field label={t('claims.message')} hint={t('claims.messageHint')} error={fieldError('message')}>
          {(p) => (
            <textarea {...p} name="message" rows={3} value={message} onChange={(e) => setMessage(e.target.value)} />
          )}
        </Field>
        <FilePicker
          label={t('claims.labelPhoto')}
          accept="image/jpeg,image/png"
          files={label}
          onChange={(f) => setLabel(f.slice(0, 1))}
          error={fileError('label')}
        />
        <FilePicker
          label={t('claims.proof')}
          accept="image/jpeg,image/png,application/pdf"
          multiple
          files={proof}
          onChange={(f) => setProof(f.slice(0, 3))}
          error={fileError('proof')}
        />
        {action.field &&
        ['serial', 'verificationCode', 'message'].includes(action.field) ? null : action.field?.startsWith(
            'files',
          ) ? null : (
          <ErrorBox message={action.error} />
        )}
        <button type="submit" className="primary block" disabled={action.busy}>
          {action.busy ? t('claims.sending') : t('claims.submit')}
        </button>
      </form>
    </Page>
  );
}

function FilePicker({
  label,
  accept,
  multiple,
  files,
  onChange,
  error,
}: {
  label: string;
  accept: string;
  multiple?: boolean;
  files: File[];
  onChange: (files: File[]) => void;
  error: string | null;
}) {
  const { t } = useTranslation();
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label className="secondary block file-button">
        {label}
        <input
          type="file"
          accept={accept}
          multiple={multiple}
          className="visually-hidden"
          onChange={(e) => onChange(Array.from(e.target.files ?? []))}
        />
      </label>
      {files.length > 0 ? (
        <p className="small muted">{t('claims.chosen', { names: files.map((f) => f.name).join(', ') })}</p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function ClaimPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useLoad(() => call(api.GET('/api/claims/{id}', { params: { path: { id } } })), [id]);
  return (
    <Page title={t('claims.title')} back="/claims">
      <Async state={state} what={t('claims.loading')}>
        {(claim) =>
          claim.role === 'owner' ? (
            <OwnerClaimCard claim={claim} reload={state.reload} />
          ) : (
            <ClaimantClaimCard claim={claim} />
          )
        }
      </Async>
    </Page>
  );
}

function ClaimantClaimCard({ claim }: { claim: ClaimantClaim }) {
  const { t } = useTranslation();
  return (
    <div className="card">
      <h2>
        {claim.device.model} {claim.device.serial}
      </h2>
      <p className="strong">
        <StageText claim={claim} />
      </p>
      {claim.stage === 'released' ? (
        <Link className="primary block" to="/devices/add" state={{ serial: claim.device.serial }}>
          {t('claims.addNow')}
        </Link>
      ) : null}
      <h3>{t('claims.yourMessage')}</h3>
      <p>{claim.message}</p>
      <h3>{t('claims.files')}</h3>
      <ul>
        {claim.files.map((f) => (
          <li key={f.id}>{t('claims.fileLine', { name: f.name, type: f.mediaType, kb: Math.ceil(f.size / 1024) })}</li>
        ))}
      </ul>
    </div>
  );
}

function OwnerClaimCard({ claim, reload }: { claim: OwnerClaim; reload: () => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const path = { params: { path: { id: claim.id } } };

  async function release() {
    const r = await action.run(() => call(api.POST('/api/claims/{id}/release', path)));
    if (r) {
      setConfirming(false);
      setDone(t('claims.released'));
      reload();
    }
  }
  async function reject() {
    const r = await action.run(() => call(api.POST('/api/claims/{id}/reject', path)));
    if (r) {
      setDone(t('claims.rejected'));
      reload();
    }
  }
  return (
    <div className="card">
      <h2>
        {claim.device.name} ({claim.device.serial})
      </h2>
      <p className="strong">
        <StageText claim={claim} />
      </p>
      {done ? <Notice tone="success">{done}</Notice> : null}
      <p>{t('claims.by', { name: claim.claimant.displayName })}</p>
      <h3>{t('claims.theirMessage')}</h3>
      <p>{claim.message}</p>
      {claim.canRelease ? (
        <p className="small muted">{t('claims.ownerDeadline', { date: deadline(claim.ownerDeadline) })}</p>
      ) : null}
      {!confirming ? <ErrorBox message={action.error} /> : null}
      {claim.canRelease ? (
        <button type="button" className="danger block" onClick={() => setConfirming(true)}>
          {t('claims.release')}
        </button>
      ) : null}
      {claim.canReject ? (
        <button type="button" className="secondary block" disabled={action.busy} onClick={() => void reject()}>
          {t('claims.reject')}
        </button>
      ) : null}
      <Confirm
        open={confirming}
        title={t('claims.releaseTitle', { name: claim.device.name })}
        message={t('claims.releaseText')}
        confirmLabel={t('claims.release')}
        danger
        busy={action.busy}
        error={action.error}
        onConfirm={() => void release()}
        onCancel={() => setConfirming(false)}
      />
    </div>
  );
}
