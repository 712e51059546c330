// The owner's choice of which recordings a share opens: what was recorded while the share applied (the default),
// everything recorded since a moment ("recordings since …"), or a from–until range (an incident).
import { useId, useState } from 'react';
import i18next from 'i18next';
import { api, call } from '../api/client.ts';
import { fromLocalInput, toLocalInput } from '../lib/format.ts';
import { useAction, useLoad } from '../lib/hooks.ts';
import { Async, Dialog, ErrorBox, Field } from './ui.tsx';

type Mode = 'share' | 'since' | 'range';

export function ShareRecordingsDialog({
  shareId,
  recipient,
  onClose,
}: {
  shareId: string;
  recipient: string;
  onClose(): void;
}) {
  const current = useLoad(
    () => call(api.GET('/api/shares/{id}/recordings', { params: { path: { id: shareId } } })),
    [shareId],
  );
  return (
    <Async state={current} what={i18next.t('common.loading')}>
      {({ recordings }) => <Editor shareId={shareId} recipient={recipient} initial={recordings} onClose={onClose} />}
    </Async>
  );
}

function Editor({
  shareId,
  recipient,
  initial,
  onClose,
}: {
  shareId: string;
  recipient: string;
  initial: { from: number; until: number | null } | null;
  onClose(): void;
}) {
  const name = useId();
  const [mode, setMode] = useState<Mode>(initial === null ? 'share' : initial.until === null ? 'since' : 'range');
  const [from, setFrom] = useState(toLocalInput(initial?.from));
  const [until, setUntil] = useState(toLocalInput(initial?.until));
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  async function save() {
    let recordings: { from: number; until: number | null } | null = null;
    if (mode !== 'share') {
      const f = fromLocalInput(from);
      const u = mode === 'range' ? fromLocalInput(until) : null;
      if (f === null) return setProblem(i18next.t('recordings.fromMissing'));
      if (mode === 'range' && (u === null || u <= f)) return setProblem(i18next.t('recordings.untilBad'));
      recordings = { from: f, until: u };
    }
    setProblem(null);
    const done = await action.run(() =>
      call(api.PUT('/api/shares/{id}/recordings', { params: { path: { id: shareId } }, body: { recordings } })),
    );
    if (done) onClose();
  }
  const options: Array<[Mode, string]> = [
    ['share', i18next.t('recordings.share')],
    ['since', i18next.t('recordings.since')],
    ['range', i18next.t('recordings.range')],
  ];
  return (
    <Dialog
      open
      title={i18next.t('recordings.title', { name: recipient })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="secondary" onClick={onClose}>
            {i18next.t('common.cancel')}
          </button>
          <button type="button" className="primary" disabled={action.busy} onClick={save}>
            {action.busy ? i18next.t('common.saving') : i18next.t('common.save')}
          </button>
        </>
      }
    >
      <div role="radiogroup" aria-label={i18next.t('recordings.which')}>
        {options.map(([m, text]) => (
          <label key={m} className="row">
            <input type="radio" name={name} checked={mode === m} onChange={() => setMode(m)} />
            {text}
          </label>
        ))}
      </div>
      {mode !== 'share' ? (
        <Field label={i18next.t('share.from')}>
          {(p) => <input {...p} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
      ) : null}
      {mode === 'range' ? (
        <Field label={i18next.t('recordings.until')}>
          {(p) => <input {...p} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
        </Field>
      ) : null}
      <ErrorBox message={problem ?? action.error} />
    </Dialog>
  );
}
