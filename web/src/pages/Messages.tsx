// Messages: the inbox with unread marks; a message opens with what can be done about it
// (handover invitation: View now / accept / decline / later; permission application: agree / reject).
import i18next from 'i18next';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, ErrorBox, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { dateTime, deadline } from '../lib/format.ts';
import { useRefreshUnread } from '../lib/unread.tsx';
import { HandoverInvitation } from './Handover.tsx';
import { ApplicationDecision } from './Applications.tsx';
import { TransferOffer } from './Transfer.tsx';
import { useTranslation } from 'react-i18next';

type Message = Res<'/api/inbox', 'get'>['items'][number];

export function MessagesPage() {
  const inbox = useLoad(() => call(api.GET('/api/inbox', { params: { query: { limit: 100 } } })), []);
  const refreshUnread = useRefreshUnread();
  const markAll = useAction();
  const { t } = useTranslation();
  return (
    <Page
      title={t('messages.title')}
      actions={
        inbox.data && inbox.data.unread > 0 ? (
          <button
            type="button"
            className="ghost"
            disabled={markAll.busy}
            onClick={async () => {
              if (await markAll.run(() => call(api.POST('/api/inbox/read-all')))) {
                inbox.reload();
                refreshUnread();
              }
            }}
          >
            {t('messages.markAllRead')}
          </button>
        ) : null
      }
    >
      <ErrorBox message={markAll.error} />
      <Async
        state={inbox}
        what={t('messages.loading')}
        isEmpty={(p) => p.items.length === 0}
        empty={t('messages.empty')}
      >
        {(page) => (
          <>
            <p className="muted small" aria-live="polite">
              {page.unread === 0 ? t('messages.allRead') : t('nav.unread', { count: page.unread })}
            </p>
            <ul className="list" aria-label={t('messages.title')}>
              {page.items.map((m) => (
                <li key={m.id} className={m.read ? '' : 'unread'}>
                  <Link className="list-link" to={`/messages/${m.id}`}>
                    <div className="spread">
                      <span className="title">{m.title}</span>
                    </div>
                    <div className="muted small">{dateTime(m.createdAt)}</div>
                  </Link>
                </li>
              ))}
            </ul>
          </>
        )}
      </Async>
    </Page>
  );
}

export function MessagePage() {
  const { id = '' } = useParams();
  const refreshUnread = useRefreshUnread();
  const { t } = useTranslation();
  const message = useLoad(async () => {
    const page = await call(api.GET('/api/inbox', { params: { query: { limit: 100 } } }));
    const found = page.items.find((m) => m.id === id);
    if (!found) throw new Error(t('messages.gone'));
    return found;
  }, [id]);
  useEffect(() => {
    if (message.data && !message.data.read) {
      void call(api.POST('/api/inbox/{id}/read', { params: { path: { id } } })).then(refreshUnread, () => {});
    }
  }, [message.data, id, refreshUnread]);
  return (
    <Page title={t('messages.one')} back="/messages">
      <Async state={message} what={t('messages.loadingOne')}>
        {(m) => <MessageBody message={m} />}
      </Async>
    </Page>
  );
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

function MessageBody({ message }: { message: Message }) {
  const data = message.data as Record<string, unknown>;
  const invitationId = str(data.invitationId);
  const applicationIds = Array.isArray(data.applicationIds)
    ? data.applicationIds.filter((x): x is string => typeof x === 'string')
    : [];
  const [viewing, setViewing] = useState(false);
  const navigate = useNavigate();
  return (
    <>
      <article className="card">
        <h2>{message.title}</h2>
        <p className="muted small">{dateTime(message.createdAt)}</p>
        {/* The decision below has its own introduction (and the remark): the message's text would say it twice. */}
        {(message.kind === 'handover_invitation' && viewing) ||
        (message.kind === 'permission_application' && applicationIds.length > 0) ? null : (
          <p>{message.body}</p>
        )}
        {message.kind === 'handover_invitation' && invitationId && !viewing ? (
          <div className="actions">
            <button type="button" className="secondary" onClick={() => navigate('/messages')}>
              {i18next.t('messages.later')}
            </button>
            <button type="button" className="primary" onClick={() => setViewing(true)}>
              {i18next.t('messages.viewNow')}
            </button>
          </div>
        ) : null}
        <MessageLinks kind={message.kind} data={data} />
      </article>
      {message.kind === 'handover_invitation' && invitationId && viewing ? (
        <HandoverInvitation invitationId={invitationId} />
      ) : null}
      {message.kind === 'permission_application' && applicationIds.length > 0 ? (
        <ApplicationDecision applicationIds={applicationIds} />
      ) : null}
      {message.kind === 'device_transfer' && str(data.transferId) ? (
        <TransferOffer transferId={str(data.transferId)!} />
      ) : null}
    </>
  );
}

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** When a share or a permission ends (or is about to), the message says until when. */
const ENDING_KINDS = new Set(['authorization_expiring', 'authorization_expired', 'share_expiring', 'share_expired']);

/**
 * Where a message leads. The same kind reaches different people (a share's end: its owner and its recipient;
 * an installer permission: the owner and the organization's admins), so the link depends on who reads it.
 */
function MessageLinks({ kind, data }: { kind: string; data: Record<string, unknown> }) {
  const { t } = useTranslation();
  const deviceIds = str(data.deviceId) ? [str(data.deviceId)!] : ids(data.deviceIds);
  const validUntil = typeof data.validUntil === 'number' ? data.validUntil : null;
  const ending =
    ENDING_KINDS.has(kind) && validUntil !== null ? (
      <p className="small">
        {kind.endsWith('_expired') ? t('messages.ended') : t('messages.ends')}: <strong>{deadline(validUntil)}</strong>
      </p>
    ) : null;
  if ((kind === 'device_claimed' || kind.startsWith('claim_')) && str(data.claimId)) {
    return (
      <Link
        className="secondary block"
        to={`${kind === 'claim_review' ? '/operator/claims' : '/claims'}/${str(data.claimId)}`}
      >
        {i18next.t('claims.open')}
      </Link>
    );
  }
  if (kind.startsWith('org_')) {
    return kind === 'org_member_removed' ? null : (
      <Link className="secondary block" to="/portal">
        {t('messages.openPortal')}
      </Link>
    );
  }
  if ((kind === 'handover_accepted' || kind === 'handover_declined') && str(data.siteId)) {
    return (
      <Link className="secondary block" to={`/portal/sites/${str(data.siteId)}`}>
        {t('messages.openSite')}
      </Link>
    );
  }
  if (
    kind.startsWith('authorization') ||
    kind.startsWith('application_') ||
    kind.startsWith('share') ||
    kind.startsWith('transfer_') ||
    kind.startsWith('manage')
  ) {
    return (
      <>
        {ending}
        {deviceIds.length > 0 ? (
          <DeviceLinks
            deviceIds={deviceIds}
            orgId={str(data.orgId)}
            installerKind={kind.startsWith('authorization') || kind.startsWith('application_')}
          />
        ) : null}
      </>
    );
  }
  return ending;
}

interface Target {
  to: string;
  text: string;
}

/**
 * For each device: its owner (or a manager) goes to its Authorization Service (installer messages) or Settings; a recipient
 * goes Home; an installer goes to the site holding it in the portal; a device no longer theirs says so.
 */
function DeviceLinks({
  deviceIds,
  orgId,
  installerKind,
}: {
  deviceIds: string[];
  orgId: string | null;
  installerKind: boolean;
}) {
  const targets = useLoad(async (): Promise<Target[]> => {
    const [mine, managed] = await Promise.all([call(api.GET('/api/devices')), call(api.GET('/api/managed-devices'))]);
    const siteOf = new Map<string, { siteId: string; name: string }>();
    if (installerKind && deviceIds.some((id) => mine.find((d) => d.id === id)?.access !== 'owner')) {
      const orgs = await call(api.GET('/api/orgs'));
      for (const org of orgs.filter((o) => !orgId || o.id === orgId)) {
        for (const site of await call(api.GET('/api/orgs/{orgId}/sites', { params: { path: { orgId: org.id } } }))) {
          for (const d of site.devices) siteOf.set(d.id, { siteId: site.id, name: site.name });
        }
      }
    }
    // Two devices of the same name (after a handover, say) are told apart by their serial's tail.
    const named = (d: (typeof mine)[number]) =>
      mine.some((o) => o.id !== d.id && o.name === d.name) ? `${d.name} · …${(d.serial ?? '').slice(-4)}` : d.name;
    return deviceIds.map((id) => {
      const device = mine.find((d) => d.id === id);
      if (device?.access === 'owner')
        return {
          to: installerKind ? `/devices/${id}/authorization` : `/devices/${id}/settings`,
          text: i18next.t('messages.openDevice', { name: named(device) }),
        };
      // A device I manage for its owner opens like one of mine.
      const run = managed.find((d) => d.deviceId === id);
      if (run)
        return {
          to: installerKind ? `/devices/${id}/authorization` : `/devices/${id}/settings`,
          text: `Open ${run.name}`,
        };
      const site = siteOf.get(id);
      if (site)
        return { to: `/portal/sites/${site.siteId}`, text: i18next.t('messages.openSiteNamed', { name: site.name }) };
      if (device) return { to: '/', text: i18next.t('messages.openOnHome', { name: named(device) }) };
      return { to: '', text: i18next.t('messages.deviceGone') };
    });
  }, [deviceIds.join(','), orgId, installerKind]);
  if (targets.error) return <ErrorBox message={targets.error} onRetry={targets.reload} />;
  if (!targets.data) return null;
  return (
    <ul className="plain stack" aria-label={i18next.t('messages.devices')}>
      {targets.data.map((target, i) => (
        <li key={deviceIds[i]}>
          {target.to ? (
            <Link className="secondary block" to={target.to}>
              {target.text}
            </Link>
          ) : (
            <p className="muted small">{target.text}</p>
          )}
        </li>
      ))}
    </ul>
  );
}
