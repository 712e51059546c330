// Webhooks: endpoints that receive signed events, for me (Me → Webhooks) or for my organization (portal, admins).
// Register (the secret is shown once), send a test event, read the delivery log, enable/disable, rotate, delete.
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { dateTime } from '../lib/format.ts';

type Endpoint = Res<'/api/me/webhooks', 'get'>[number];
type Delivery = Res<'/api/me/webhooks/{id}/deliveries', 'get'>[number];
type Scope = { kind: 'me' } | { kind: 'org'; orgId: string };

/** The same operations for my endpoints and an organization's, behind one small adapter. */
function endpointsApi(scope: Scope) {
  if (scope.kind === 'me')
    return {
      list: () => call(api.GET('/api/me/webhooks')),
      create: (body: { url: string; description?: string; events: string[] }) =>
        call(api.POST('/api/me/webhooks', { body })),
      update: (id: string, body: { enabled?: boolean }) =>
        call(api.PATCH('/api/me/webhooks/{id}', { params: { path: { id } }, body })),
      remove: (id: string) => call(api.DELETE('/api/me/webhooks/{id}', { params: { path: { id } } })),
      test: (id: string) => call(api.POST('/api/me/webhooks/{id}/test', { params: { path: { id } } })),
      rotate: (id: string) => call(api.POST('/api/me/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
      deliveries: (id: string) => call(api.GET('/api/me/webhooks/{id}/deliveries', { params: { path: { id } } })),
    };
  const orgId = scope.orgId;
  return {
    list: () => call(api.GET('/api/orgs/{orgId}/webhooks', { params: { path: { orgId } } })),
    create: (body: { url: string; description?: string; events: string[] }) =>
      call(api.POST('/api/orgs/{orgId}/webhooks', { params: { path: { orgId } }, body })),
    update: (id: string, body: { enabled?: boolean }) =>
      call(api.PATCH('/api/orgs/{orgId}/webhooks/{id}', { params: { path: { orgId, id } }, body })),
    remove: (id: string) => call(api.DELETE('/api/orgs/{orgId}/webhooks/{id}', { params: { path: { orgId, id } } })),
    test: (id: string) => call(api.POST('/api/orgs/{orgId}/webhooks/{id}/test', { params: { path: { orgId, id } } })),
    rotate: (id: string) =>
      call(api.POST('/api/orgs/{orgId}/webhooks/{id}/rotate-secret', { params: { path: { orgId, id } } })),
    deliveries: (id: string) =>
      call(api.GET('/api/orgs/{orgId}/webhooks/{id}/deliveries', { params: { path: { orgId, id } } })),
  };
}

export function MyWebhooksPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('webhooks.title')} back="/me">
      <p className="muted">{t('webhooks.intro')}</p>
      <Webhooks scope={{ kind: 'me' }} />
    </Page>
  );
}

export function OrgWebhooksPage() {
  const { orgId = '' } = useParams();
  const { t } = useTranslation();
  return (
    <Page title={t('webhooks.orgTitle')} back="/portal" wide>
      <p className="muted">{t('webhooks.orgIntro')}</p>
      <Webhooks scope={{ kind: 'org', orgId }} />
    </Page>
  );
}

function Webhooks({ scope }: { scope: Scope }) {
  const hooks = endpointsApi(scope);
  const list = useLoad(() => hooks.list(), [scope.kind === 'org' ? scope.orgId : 'me']);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const { t } = useTranslation();
  return (
    <>
      {secret ? (
        <Notice tone="success">
          <p>
            <Trans i18nKey="webhooks.secretFor" values={{ url: secret.url }} components={{ b: <strong /> }} />
          </p>
          <code className="secret" aria-label={t('webhooks.secret')}>
            {secret.secret}
          </code>
          <button type="button" className="link" onClick={() => setSecret(null)}>
            {t('webhooks.copied')}
          </button>
        </Notice>
      ) : null}
      <Async state={list} what={t('webhooks.loading')} empty={t('webhooks.none')}>
        {(endpoints) => (
          <ul className="list" aria-label={t('webhooks.endpoints')}>
            {endpoints.map((e) => (
              <EndpointItem
                key={e.id}
                endpoint={e}
                hooks={hooks}
                onChanged={list.reload}
                onSecret={(s) => setSecret({ url: e.url, secret: s })}
              />
            ))}
          </ul>
        )}
      </Async>
      <AddEndpoint
        hooks={hooks}
        onCreated={(created) => {
          setSecret({ url: created.url, secret: created.secret });
          list.reload();
        }}
      />
    </>
  );
}

type Hooks = ReturnType<typeof endpointsApi>;

function EndpointItem({
  endpoint: e,
  hooks,
  onChanged,
  onSecret,
}: {
  endpoint: Endpoint;
  hooks: Hooks;
  onChanged(): void;
  onSecret(secret: string): void;
}) {
  const action = useAction();
  const [showLog, setShowLog] = useState(false);
  const [logTick, setLogTick] = useState(0);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [tested, setTested] = useState(false);
  const { t } = useTranslation();
  return (
    <li className="card" aria-label={t('webhooks.endpoint', { url: e.url })}>
      <div className="spread">
        <div>
          <div className="strong break">{e.url}</div>
          {e.description ? <div className="muted small">{e.description}</div> : null}
        </div>
        {e.enabled ? (
          <span className="tag ok">{t('webhooks.enabled')}</span>
        ) : (
          <span className="tag bad">{t('webhooks.disabled')}</span>
        )}
      </div>
      {!e.enabled && e.disabledReason ? <Notice tone="warning">{e.disabledReason}</Notice> : null}
      <ul className="chips" aria-label={t('webhooks.events')}>
        {e.events.map((ev) => (
          <li key={ev}>{ev}</li>
        ))}
      </ul>
      <ErrorBox message={action.error} />
      {tested ? <p className="muted small">{t('webhooks.tested')}</p> : null}
      <div className="row wrap">
        <button
          type="button"
          className="secondary small-btn"
          disabled={action.busy}
          onClick={async () => {
            if (await action.run(() => hooks.test(e.id))) {
              setTested(true);
              setShowLog(true);
              // The delivery happens right after; look again shortly.
              setTimeout(() => setLogTick((n) => n + 1), 800);
            }
          }}
        >
          {t('webhooks.sendTest')}
        </button>
        <button type="button" className="secondary small-btn" onClick={() => setShowLog((s) => !s)}>
          {showLog ? t('webhooks.hideLog') : t('webhooks.log')}
        </button>
        <button
          type="button"
          className="secondary small-btn"
          disabled={action.busy}
          onClick={async () => {
            if (await action.run(() => hooks.update(e.id, { enabled: !e.enabled }))) onChanged();
          }}
        >
          {e.enabled ? t('webhooks.disable') : t('webhooks.enable')}
        </button>
        <button
          type="button"
          className="secondary small-btn"
          disabled={action.busy}
          onClick={async () => {
            const rotated = await action.run(() => hooks.rotate(e.id));
            if (rotated) onSecret(rotated.secret);
          }}
        >
          {t('webhooks.newSecret')}
        </button>
        <button type="button" className="danger small-btn" onClick={() => setConfirmDelete(true)}>
          {t('webhooks.delete')}
        </button>
      </div>
      {showLog ? <DeliveryLog hooks={hooks} id={e.id} tick={logTick} /> : null}
      <Confirm
        open={confirmDelete}
        title={t('webhooks.deleteTitle')}
        message={t('webhooks.deleteText', { url: e.url })}
        confirmLabel={t('webhooks.delete')}
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={async () => {
          if (await action.run(() => hooks.remove(e.id))) {
            setConfirmDelete(false);
            onChanged();
          }
        }}
      />
    </li>
  );
}

const STATE_TONE: Record<Delivery['state'], string> = {
  pending: 'warn',
  delivered: 'ok',
  failed: 'bad',
  cancelled: '',
};

function DeliveryLog({ hooks, id, tick }: { hooks: Hooks; id: string; tick: number }) {
  const log = useLoad(() => hooks.deliveries(id), [id, tick]);
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <Async state={log} what={t('webhooks.loadingLog')} empty={t('webhooks.nothingSent')}>
        {(deliveries) => (
          <table aria-label={t('webhooks.log')}>
            <thead>
              <tr>
                <th>{t('webhooks.event')}</th>
                <th>{t('webhooks.state')}</th>
                <th>{t('webhooks.answer')}</th>
                <th>{t('webhooks.attempts')}</th>
                <th>{t('webhooks.when')}</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => {
                return (
                  <tr key={d.id}>
                    <td>{d.eventType}</td>
                    <td>
                      <span className={`tag ${STATE_TONE[d.state]}`}>{t(`webhooks.deliveryState.${d.state}`)}</span>
                    </td>
                    <td>{d.lastStatus ?? d.lastError ?? '—'}</td>
                    <td>{d.attempts.length}</td>
                    <td>{dateTime(d.deliveredAt ?? d.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Async>
      <button type="button" className="link" onClick={log.reload}>
        {t('webhooks.refresh')}
      </button>
    </div>
  );
}

function AddEndpoint({
  hooks,
  onCreated,
}: {
  hooks: Hooks;
  onCreated(created: Res<'/api/me/webhooks', 'post'>): void;
}) {
  const types = useLoad(() => call(api.GET('/api/webhook-events')), []);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const action = useAction();
  const { t } = useTranslation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^https?:\/\/\S+$/.test(url.trim())) return action.setError(t('webhooks.badUrl'));
    if (events.length === 0) return action.setError(t('webhooks.noEvents'));
    const created = await action.run(() =>
      hooks.create({ url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) }),
    );
    if (created) {
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(created);
    }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-label={t('webhooks.add')}>
      <h2>{t('webhooks.add')}</h2>
      <Field label={t('webhooks.url')} error={action.field === 'url' ? action.error : null}>
        {(p) => (
          <input
            {...p}
            name="url"
            type="url"
            inputMode="url"
            placeholder={t('webhooks.urlExample')}
            value={url}
            onChange={(ev) => setUrl(ev.target.value)}
          />
        )}
      </Field>
      <Field label={t('webhooks.description')}>
        {(p) => (
          <input {...p} name="description" value={description} onChange={(ev) => setDescription(ev.target.value)} />
        )}
      </Field>
      <fieldset>
        <legend>{t('webhooks.events')}</legend>
        <Async state={types} what={t('webhooks.loadingTypes')}>
          {(list) => (
            <ul className="checks">
              {list.map((et) => (
                <li key={et.type}>
                  <label>
                    <input
                      type="checkbox"
                      checked={events.includes(et.type)}
                      onChange={(ev) =>
                        setEvents((cur) => (ev.target.checked ? [...cur, et.type] : cur.filter((x) => x !== et.type)))
                      }
                    />{' '}
                    <strong>{et.type}</strong> <span className="muted small">{et.description}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </Async>
      </fieldset>
      {action.field !== 'url' ? <ErrorBox message={action.error} /> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        {t('webhooks.addButton')}
      </button>
    </form>
  );
}
