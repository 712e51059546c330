// The owner's choice of which recordings a share opens: what was recorded while the share applied (the default),
// everything recorded since a moment ("recordings since …"), or a from–until range (an incident).
import { useId, useState } from 'react';
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
    <Async state={current} what="Loading">
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
      if (f === null) return setProblem('Choose when the recordings start.');
      if (mode === 'range' && (u === null || u <= f)) return setProblem('Choose an end after the start.');
      recordings = { from: f, until: u };
    }
    setProblem(null);
    const done = await action.run(() =>
      call(api.PUT('/api/shares/{id}/recordings', { params: { path: { id: shareId } }, body: { recordings } })),
    );
    if (done) onClose();
  }
  const options: Array<[Mode, string]> = [
    ['share', 'Recorded while the share applies'],
    ['since', 'Everything recorded since…'],
    ['range', 'Recorded between…'],
  ];
  return (
    <Dialog
      open
      title={`Recordings ${recipient} may play back`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={action.busy} onClick={save}>
            {action.busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <div role="radiogroup" aria-label="Which recordings">
        {options.map(([m, text]) => (
          <label key={m} className="row">
            <input type="radio" name={name} checked={mode === m} onChange={() => setMode(m)} />
            {text}
          </label>
        ))}
      </div>
      {mode !== 'share' ? (
        <Field label="From">
          {(p) => <input {...p} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
      ) : null}
      {mode === 'range' ? (
        <Field label="Until">
          {(p) => <input {...p} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
        </Field>
      ) : null}
      <ErrorBox message={problem ?? action.error} />
    </Dialog>
  );
}
