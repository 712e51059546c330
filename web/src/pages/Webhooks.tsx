// Webhooks: endpoints that receive signed events, for me (Me → Webhooks) or for my organization (portal, admins).
// Register (the secret is shown once), send a test event, read the delivery log, enable/disable, rotate, delete.
import { useState, type FormEvent } from 'react';
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
  return (
    <Page title="Webhooks" back="/me">
      <p className="muted">
        Keyholder can send events about your devices, shares and authorizations to your own systems, signed so they can
        check each one came from here (Standard Webhooks).
      </p>
      <Webhooks scope={{ kind: 'me' }} />
    </Page>
  );
}

export function OrgWebhooksPage() {
  const { orgId = '' } = useParams();
  return (
    <Page title="Organization webhooks" back="/portal" wide>
      <p className="muted">Events about the organization&apos;s sites, authorizations and applications.</p>
      <Webhooks scope={{ kind: 'org', orgId }} />
    </Page>
  );
}

function Webhooks({ scope }: { scope: Scope }) {
  const hooks = endpointsApi(scope);
  const list = useLoad(() => hooks.list(), [scope.kind === 'org' ? scope.orgId : 'me']);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <>
      {secret ? (
        <Notice tone="success">
          <p>
            Signing secret for <strong>{secret.url}</strong>. Copy it now: it is not shown again.
          </p>
          <code className="secret" aria-label="Signing secret">
            {secret.secret}
          </code>
          <button type="button" className="link" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </Notice>
      ) : null}
      <Async state={list} what="Loading the webhooks" empty="No webhook endpoints yet.">
        {(endpoints) => (
          <ul className="list" aria-label="Webhook endpoints">
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
  return (
    <li className="card" aria-label={`Webhook ${e.url}`}>
      <div className="spread">
        <div>
          <div className="strong break">{e.url}</div>
          {e.description ? <div className="muted small">{e.description}</div> : null}
        </div>
        {e.enabled ? <span className="tag ok">Enabled</span> : <span className="tag bad">Disabled</span>}
      </div>
      {!e.enabled && e.disabledReason ? <Notice tone="warning">{e.disabledReason}</Notice> : null}
      <ul className="chips" aria-label="Events">
        {e.events.map((ev) => (
          <li key={ev}>{ev}</li>
        ))}
      </ul>
      <ErrorBox message={action.error} />
      {tested ? <p className="muted small">Test event sent. The delivery log shows the answer.</p> : null}
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
              setTimeout(() => setLogTick((t) => t + 1), 800);
            }
          }}
        >
          Send test event
        </button>
        <button type="button" className="secondary small-btn" onClick={() => setShowLog((s) => !s)}>
          {showLog ? 'Hide delivery log' : 'Delivery log'}
        </button>
        <button
          type="button"
          className="secondary small-btn"
          disabled={action.busy}
          onClick={async () => {
            if (await action.run(() => hooks.update(e.id, { enabled: !e.enabled }))) onChanged();
          }}
        >
          {e.enabled ? 'Disable' : 'Enable'}
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
          New secret
        </button>
        <button type="button" className="danger small-btn" onClick={() => setConfirmDelete(true)}>
          Delete
        </button>
      </div>
      {showLog ? <DeliveryLog hooks={hooks} id={e.id} tick={logTick} /> : null}
      <Confirm
        open={confirmDelete}
        title="Delete this webhook?"
        message={`Keyholder stops sending events to ${e.url}, and its delivery log is deleted.`}
        confirmLabel="Delete"
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

const STATE_TAG: Record<Delivery['state'], { text: string; tone: string }> = {
  pending: { text: 'Retrying', tone: 'warn' },
  delivered: { text: 'Delivered', tone: 'ok' },
  failed: { text: 'Failed', tone: 'bad' },
  cancelled: { text: 'Cancelled', tone: '' },
};

function DeliveryLog({ hooks, id, tick }: { hooks: Hooks; id: string; tick: number }) {
  const log = useLoad(() => hooks.deliveries(id), [id, tick]);
  return (
    <div className="table-wrap">
      <Async state={log} what="Loading the delivery log" empty="Nothing sent yet.">
        {(deliveries) => (
          <table aria-label="Delivery log">
            <thead>
              <tr>
                <th>Event</th>
                <th>State</th>
                <th>Answer</th>
                <th>Attempts</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => {
                const tag = STATE_TAG[d.state];
                return (
                  <tr key={d.id}>
                    <td>{d.eventType}</td>
                    <td>
                      <span className={`tag ${tag.tone}`}>{tag.text}</span>
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
        Refresh
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
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^https?:\/\/\S+$/.test(url.trim())) return action.setError('Give the full address, starting with https://');
    if (events.length === 0) return action.setError('Choose at least one event.');
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
    <form className="card" onSubmit={submit} noValidate aria-label="Add a webhook">
      <h2>Add a webhook</h2>
      <Field label="Endpoint URL" error={action.field === 'url' ? action.error : null}>
        {(p) => (
          <input
            {...p}
            name="url"
            type="url"
            inputMode="url"
            placeholder="https://example.com/keyholder-events"
            value={url}
            onChange={(ev) => setUrl(ev.target.value)}
          />
        )}
      </Field>
      <Field label="Description (optional)">
        {(p) => (
          <input {...p} name="description" value={description} onChange={(ev) => setDescription(ev.target.value)} />
        )}
      </Field>
      <fieldset>
        <legend>Events</legend>
        <Async state={types} what="Loading the event types">
          {(list) => (
            <ul className="checks">
              {list.map((t) => (
                <li key={t.type}>
                  <label>
                    <input
                      type="checkbox"
                      checked={events.includes(t.type)}
                      onChange={(ev) =>
                        setEvents((cur) => (ev.target.checked ? [...cur, t.type] : cur.filter((x) => x !== t.type)))
                      }
                    />{' '}
                    <strong>{t.type}</strong> <span className="muted small">{t.description}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </Async>
      </fieldset>
      {action.field !== 'url' ? <ErrorBox message={action.error} /> : null}
      <button type="submit" className="primary" disabled={action.busy}>
        Add webhook
      </button>
    </form>
  );
}
