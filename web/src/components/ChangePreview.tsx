// Before a change that gives or takes access: who gains and who loses what, in sentences, from the server's
// preview of exactly that change (POST /api/previews runs the change and rolls it back).
import { useTranslation } from 'react-i18next';
import { api, call, type paths } from '../api/client.ts';
import { currentLanguage } from '../i18n/index.ts';
import { useLoad } from '../lib/hooks.ts';
import { Async } from './ui.tsx';

export type PreviewRequest = paths['/api/previews']['post']['requestBody']['content']['application/json'];

export function ChangePreview({ request }: { request: PreviewRequest }) {
  const { t } = useTranslation();
  const key = JSON.stringify(request);
  const preview = useLoad(
    () => call(api.POST('/api/previews', { body: { ...request, language: currentLanguage() } as PreviewRequest })),
    [key],
  );
  return (
    <section className="card change-preview" aria-label={t('household.preview.title')}>
      <h3>{t('household.preview.title')}</h3>
      <Async state={preview} what={t('household.preview.loading')}>
        {(p) => (
          <ul className="plain">
            {p.sentences.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}
