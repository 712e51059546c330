// The operator's review of ownership claims (docs/operations.md, "Ownership claims"): who claims, who owned it,
// the evidence files (downloads, never shown inline), and the decision — transfer to the claimant or dismiss.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { deadline } from '../lib/format.ts';
import { useAction, useLoad } from '../lib/hooks.ts';

type OperatorClaim = Schemas['OperatorClaim'];

export function OperatorClaimsPage() {
  const { t } = useTranslation();
  const [all, setAll] = useState(false);
  const state = useLoad(
    () => call(api.GET('/api/admin/claims', { params: { query: { state: all ? 'all' : 'review' } } })),
    [all],
  );
  return (
    <Page title={t('claims.operatorTitle')} back="/me">
      <button type="button" className="secondary block" onClick={() => setAll(!all)}>
        {all ? t('claims.showReview') : t('claims.showAll')}
      </button>
      <Async state={state} what={t('claims.loading')} empty={t('claims.operatorEmpty')}>
        {(claims) => (
          <ul className="menu">
            {claims.map((c) => (
              <li key={c.id}>
                <Link to={`/operator/claims/${c.id}`}>
                  {c.device.model} {c.device.serial} · {c.claimant.displayName} · <OperatorStage claim={c} />
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Page>
  );
}

export function OperatorClaimPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useLoad(() => call(api.GET('/api/admin/claims/{id}', { params: { path: { id } } })), [id]);
  return (
    <Page title={t('claims.operatorTitle')} back="/operator/claims">
      <Async state={state} what={t('claims.loading')}>
        {(claim) => <Review claim={claim} reload={state.reload} />}
      </Async>
    </Page>
  );
}

function OperatorStage({ claim }: { claim: OperatorClaim }) {
  const { t } = useTranslation();
  return <>{t(`claims.opStage_${claim.stage}`, { date: deadline(claim.ownerDeadline) })}</>;
}

function person(p: { displayName: string; email: string | null } | null): string {
  return p ? `${p.displayName}${p.email ? ` <${p.email}>` : ''}` : '—';
}

function Review({ claim, reload }: { claim: OperatorClaim; reload: () => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const path = { id: claim.id };
  const open = claim.status === 'open' || claim.status === 'rejected' || claim.status === 'released';

  async function transfer() {
    const r = await action.run(() =>
      call(api.POST('/api/admin/claims/{id}/transfer', { params: { path }, body: note.trim() ? { note } : {} })),
    );
    if (r) {
      setConfirming(false);
      setDone(t('claims.transferred'));
      reload();
    }
  }
  async function dismiss() {
    const r = await action.run(() =>
      call(api.POST('/api/admin/claims/{id}/dismiss', { params: { path }, body: { note } })),
    );
    if (r) {
      setDone(t('claims.dismissed'));
      reload();
    }
  }
  return (
    <div className="card">
      <h2>
        {claim.device.model} {claim.device.serial}
      </h2>
      <p className="strong">
        <OperatorStage claim={claim} />
      </p>
      {done ? <Notice tone="success">{done}</Notice> : null}
      <dl className="claim-facts">
        <dt>{t('claims.claimant')}</dt>
        <dd>{person(claim.claimant)}</dd>
        <dt>{t('claims.ownerAtFiling')}</dt>
        <dd>{person(claim.ownerAtFiling)}</dd>
        <dt>{t('claims.currentOwner')}</dt>
        <dd>
          {claim.currentOwnerId === null
            ? t('claims.nobody')
            : claim.currentOwnerId === claim.ownerAtFiling?.id
              ? t('claims.sameAsFiled')
              : claim.currentOwnerId === claim.claimant.id
                ? t('claims.theClaimant')
                : claim.currentOwnerId}
        </dd>
      </dl>
      <h3>{t('claims.theirMessage')}</h3>
      <p>{claim.message}</p>
      <h3>{t('claims.files')}</h3>
      <ul className="menu">
        {claim.files.map((f) => (
          <li key={f.id}>
            <a href={`/api/admin/claims/${claim.id}/files/${f.id}`} download={f.name}>
              {f.kind === 'label_photo' ? t('claims.labelPhoto') : t('claims.proof')}:{' '}
              {t('claims.fileSize', { name: f.name, kb: Math.ceil(f.size / 1024) })}
            </a>
          </li>
        ))}
      </ul>
      {claim.operatorNote ? <p className="muted">{claim.operatorNote}</p> : null}
      {open && !claim.reviewable && claim.status === 'open' ? (
        <p className="small muted">{t('claims.notYet', { date: deadline(claim.ownerDeadline) })}</p>
      ) : null}
      {open ? (
        <>
          <Field label={t('claims.dismissNote')}>
            {(p) => <textarea {...p} name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
          {!confirming ? <ErrorBox message={action.error} /> : null}
          {claim.reviewable ? (
            <button type="button" className="primary block" onClick={() => setConfirming(true)}>
              {t('claims.transfer')}
            </button>
          ) : null}
          <button
            type="button"
            className="secondary block"
            disabled={action.busy || !note.trim()}
            onClick={() => void dismiss()}
          >
            {t('claims.dismiss')}
          </button>
        </>
      ) : null}
      <Confirm
        open={confirming}
        title={t('claims.transferTitle', { serial: claim.device.serial, name: claim.claimant.displayName })}
        message={t('claims.transferText')}
        confirmLabel={t('claims.transfer')}
        busy={action.busy}
        error={action.error}
        onConfirm={() => void transfer()}
        onCancel={() => setConfirming(false)}
      />
    </div>
  );
}
