// A permission application seen by the owner ("Cloud service"): agree or reject per device, or all at once.
import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { label } from '../lib/permissions.ts';
import { api, call, type Res } from '../api/client.ts';
import { Async, ErrorBox, Notice } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { serialTail } from './Home.tsx';

type Application = Res<'/api/applications/{applicationId}', 'get'>;

/** Each status's tone; its words are `application.status.<status>`. */
const TONE: Record<string, string> = { pending: 'warn', agreed: 'ok', rejected: 'bad' };

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
  const { t } = useTranslation();

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
    <Async state={apps} what={t('application.loading')}>
      {(list: Application[]) => {
        const pending = list.filter((a) => a.status === 'pending');
        // Two devices with one name (e.g. after a handover) are told apart by their serial's end, as on Home.
        const ids = new Map<string, Set<string>>();
        for (const a of list) ids.set(a.device.name, (ids.get(a.device.name) ?? new Set()).add(a.device.id));
        const twin = (a: Application) => (ids.get(a.device.name)?.size ?? 0) > 1 && a.device.serial !== '';
        return (
          <section aria-label={t('application.label')}>
            <div className="card">
              <p>
                <Trans
                  i18nKey="application.intro"
                  values={{ org: list[0]?.org.name ?? '' }}
                  components={{ b: <strong /> }}
                />
              </p>
              {list[0]?.remark ? <p className="muted">{t('application.remark', { remark: list[0].remark })}</p> : null}
            </div>
            {message ? <Notice tone="success">{message}</Notice> : null}
            <ErrorBox message={action.error} />
            <ul className="list" aria-label={t('application.devices')}>
              {list.map((a) => (
                <li key={a.id} aria-label={a.device.name}>
                  <div className="spread">
                    <span>
                      <span className="strong">{a.device.name}</span>
                      {twin(a) ? (
                        <span className="muted small">
                          {' '}
                          · {t('home.serial', { tail: serialTail(a.device.serial) })}
                        </span>
                      ) : null}
                    </span>
                    <span className={`tag ${TONE[a.status] ?? ''}`}>
                      {t(`application.status.${a.status}`, { defaultValue: a.status })}
                    </span>
                  </div>
                  {a.permissions.map((p) => (
                    <div key={p.permission} className="small">
                      ✓ {label(p.permission)} <span className="muted">· {a.validityDescription}</span>
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
                        {t('application.reject')}
                      </button>
                      <button
                        type="button"
                        className="primary small-btn"
                        disabled={action.busy}
                        onClick={() => decide([a.id], 'agree')}
                      >
                        {t('application.agree')}
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
                  {t('application.rejectAll')}
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
                  {t('application.agreeAll')}
                </button>
              </div>
            ) : null}
          </section>
        );
      }}
    </Async>
  );
}
