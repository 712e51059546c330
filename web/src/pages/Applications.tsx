// A permission application seen by the owner ("Cloud service"): agree or reject per device, or all at once.
import { useState } from 'react';
import { api, call, type Res } from '../api/client.ts';
import { Async, ErrorBox, Notice } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';

type Application = Res<'/api/applications/{applicationId}', 'get'>;

const STATUS: Record<string, { text: string; tone: string }> = {
  pending: { text: 'Waiting for you', tone: 'warn' },
  agreed: { text: 'Agreed', tone: 'ok' },
  rejected: { text: 'Rejected', tone: 'bad' },
  cancelled: { text: 'Withdrawn by the installer', tone: '' },
  superseded: { text: 'Replaced by a newer application', tone: '' },
  expired: { text: 'Expired', tone: '' },
};

export function ApplicationDecision({ applicationIds }: { applicationIds: string[] }) {
  const apps = useLoad(
    () =>
      Promise.all(
        applicationIds.map((applicationId) =>
          call(api.GET('/api/applications/{applicationId}', { params: { path: { applicationId } } })),
        ),
      ),
    [applicationIds.join(',')],
  );
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();

  async function decide(ids: string[], decision: 'agree' | 'reject') {
    const result = await action.run(() =>
      call(api.POST('/api/applications/decide', { body: { applicationIds: ids, decision } })),
    );
    if (result) {
      setMessage(result.message);
      apps.reload();
    }
  }

  return (
    <Async state={apps} what="Loading the application">
      {(list: Application[]) => {
        const pending = list.filter((a) => a.status === 'pending');
        return (
          <section aria-label="Permission application">
            <div className="card">
              <p>
                <strong>{list[0]?.org.name}</strong> has applied for the permissions below. Rejecting or approving does
                not affect your own use and configuration of these devices. Tap Agree and the installer will have the
                permission marked.
              </p>
              {list[0]?.remark ? <p className="muted">Remark: “{list[0].remark}”</p> : null}
            </div>
            {message ? <Notice tone="success">{message}</Notice> : null}
            <ErrorBox message={action.error} />
            <ul className="list" aria-label="Devices applied for">
              {list.map((a) => (
                <li key={a.id} aria-label={a.device.name}>
                  <div className="spread">
                    <span className="strong">{a.device.name}</span>
                    <span className={`tag ${STATUS[a.status]?.tone ?? ''}`}>{STATUS[a.status]?.text ?? a.status}</span>
                  </div>
                  {a.permissions.map((p) => (
                    <div key={p.permission} className="small">
                      ✓ {p.label} <span className="muted">· {a.validityDescription}</span>
                    </div>
                  ))}
                  {a.status === 'pending' ? (
                    <div className="actions">
                      <button
                        type="button"
                        className="secondary small-btn"
                        disabled={action.busy}
                        onClick={() => decide([a.id], 'reject')}
                      >
                        Reject
                      </button>
                      <button
                        type="button"
                        className="primary small-btn"
                        disabled={action.busy}
                        onClick={() => decide([a.id], 'agree')}
                      >
                        Agree
                      </button>
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
            {pending.length > 1 ? (
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={action.busy}
                  onClick={() =>
                    decide(
                      pending.map((a) => a.id),
                      'reject',
                    )
                  }
                >
                  Reject All
                </button>
                <button
                  type="button"
                  className="primary"
                  disabled={action.busy}
                  onClick={() =>
                    decide(
                      pending.map((a) => a.id),
                      'agree',
                    )
                  }
                >
                  Agree All
                </button>
              </div>
            ) : null}
          </section>
        );
      }}
    </Async>
  );
}
