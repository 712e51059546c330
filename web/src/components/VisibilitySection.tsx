// The owner's switches for a device (people on it see each other; tell me about refused attempts) and the
// refused attempts themselves, grouped per person, reason and ten minutes.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import { dateTime } from '../lib/format.ts';
import { useLoad } from '../lib/hooks.ts';
import { Async, ErrorBox } from './ui.tsx';

type Key = 'householdVisible' | 'notifyDenied';

export function VisibilitySection({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation();
  const settings = useLoad(
    () => call(api.GET('/api/devices/{id}/visibility', { params: { path: { id: deviceId } } })),
    [deviceId],
  );
  const denied = useLoad(
    () => call(api.GET('/api/devices/{id}/denied-attempts', { params: { path: { id: deviceId } } })),
    [deviceId],
  );
  const [error, setError] = useState<string | null>(null);
  async function change(key: Key, on: boolean) {
    setError(null);
    try {
      await call(
        api.PATCH('/api/devices/{id}/visibility', { params: { path: { id: deviceId } }, body: { [key]: on } }),
      );
      settings.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  const row = (key: Key, label: string, hint: string, value: boolean) => (
    <label className="switch-row">
      <span>
        <span className="strong">{label}</span>
        <span className="muted small">{hint}</span>
      </span>
      <input
        type="checkbox"
        role="switch"
        checked={value}
        onChange={(e) => void change(key, e.currentTarget.checked)}
      />
    </label>
  );
  return (
    <>
      <h2>{t('household.settings.title')}</h2>
      <Async state={settings}>
        {(s) => (
          <div className="card">
            {row(
              'householdVisible',
              t('household.settings.visible'),
              t('household.settings.visibleHint'),
              s.householdVisible,
            )}
            {row('notifyDenied', t('household.settings.notify'), t('household.settings.notifyHint'), s.notifyDenied)}
            <ErrorBox message={error} />
          </div>
        )}
      </Async>
      <h3>{t('household.settings.denied')}</h3>
      <Async state={denied} isEmpty={(d) => d.items.length === 0} empty={t('household.settings.deniedNone')}>
        {(d) => (
          <ul className="list" aria-label={t('household.settings.denied')}>
            {d.items.map((a) => (
              <li key={`${a.person.accountId}-${a.reason}-${a.windowStart}`}>
                {t('household.settings.deniedLine', {
                  name: a.person.name,
                  detail: a.detail,
                  count: a.count,
                  when: dateTime(a.lastAt),
                })}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </>
  );
}
