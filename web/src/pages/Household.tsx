// "Who can see the camera that sees me?": everyone else who can watch the channels I can watch on a device,
// when its owner lets the people on it see each other. Names only.
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api, call } from '../api/client.ts';
import { Async, Notice, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';

export function HouseholdPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const household = useLoad(() => call(api.GET('/api/devices/{id}/household', { params: { path: { id } } })), [id]);
  const kind = (k: string) =>
    ['owner', 'recipient', 'installer', 'manager'].includes(k) ? t(`household.screen.kind_${k}`) : k;
  return (
    <Page title={t('household.screen.title')} back="/">
      <Async state={household} what={t('household.screen.loading')}>
        {(h) => (
          <>
            <h2>{h.device.name}</h2>
            {h.people.length === 0 ? (
              <Notice>{t('household.screen.nobody')}</Notice>
            ) : (
              <>
                <p>{t('household.screen.intro', { channels: h.channels.map((c) => c.name).join(', ') })}</p>
                <ul className="list" aria-label={t('household.screen.title')}>
                  {h.people.map((p, i) => (
                    <li key={`${p.name}-${i}`}>
                      <div className="spread">
                        <span className="strong">{p.name}</span>
                        <span className="tag">{kind(p.kind)}</span>
                      </div>
                      <div className="muted small">
                        {p.permissions
                          .map((x) => (x === 'playback' ? t('household.screen.recorded') : t('household.screen.live')))
                          .join(', ')}{' '}
                        ·{' '}
                        {t('household.screen.on', {
                          channels: p.channels
                            .map((n) => h.channels.find((c) => c.number === n)?.name ?? String(n))
                            .join(', '),
                        })}
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </Async>
    </Page>
  );
}
