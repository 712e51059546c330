// Messages: the inbox with unread marks; a message opens with what can be done about it
// (handover invitation: View now / accept / decline / later; permission application: agree / reject).
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { Async, ErrorBox, Notice, Page } from '../components/ui.tsx';
import { useAction, useLoad } from '../lib/hooks.ts';
import { dateTime } from '../lib/format.ts';
import { useRefreshUnread } from '../lib/unread.tsx';
import { HandoverInvitation } from './Handover.tsx';
import { ApplicationDecision } from './Applications.tsx';
import { TransferOffer } from './Transfer.tsx';

type Message = Res<'/api/inbox', 'get'>['items'][number];

export function MessagesPage() {
  const inbox = useLoad(() => call(api.GET('/api/inbox', { params: { query: { limit: 100 } } })), []);
  const refreshUnread = useRefreshUnread();
  const markAll = useAction();
  return (
    <Page
      title="Messages"
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
            Mark all read
          </button>
        ) : null
      }
    >
      <ErrorBox message={markAll.error} />
      <Async state={inbox} what="Loading your messages" isEmpty={(p) => p.items.length === 0} empty="No messages yet. Shares, invitations and applications will show up here.">
        {(page) => (
          <>
            <p className="muted small" aria-live="polite">
              {page.unread === 0 ? 'Everything read.' : `${page.unread} unread`}
            </p>
            <ul className="list" aria-label="Messages">
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
  const message = useLoad(async () => {
    const page = await call(api.GET('/api/inbox', { params: { query: { limit: 100 } } }));
    const found = page.items.find((m) => m.id === id);
    if (!found) throw new Error('This message does not exist, or it is no longer in your inbox.');
    return found;
  }, [id]);
  useEffect(() => {
    if (message.data && !message.data.read) {
      void call(api.POST('/api/inbox/{id}/read', { params: { path: { id } } })).then(refreshUnread, () => {});
    }
  }, [message.data, id, refreshUnread]);
  return (
    <Page title="Message" back="/messages">
      <Async state={message} what="Loading the message">
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
  const applicationIds = Array.isArray(data.applicationIds) ? data.applicationIds.filter((x): x is string => typeof x === 'string') : [];
  const [viewing, setViewing] = useState(false);
  const navigate = useNavigate();
  return (
    <>
      <article className="card">
        <h2>{message.title}</h2>
        <p className="muted small">{dateTime(message.createdAt)}</p>
        <p>{message.body}</p>
        {message.kind === 'handover_invitation' && invitationId && !viewing ? (
          <div className="actions">
            <button type="button" className="secondary" onClick={() => navigate('/messages')}>
              Later
            </button>
            <button type="button" className="primary" onClick={() => setViewing(true)}>
              View now
            </button>
          </div>
        ) : null}
        {str(data.deviceId) && message.kind.startsWith('authorization') ? <DeviceLink deviceId={str(data.deviceId)!} /> : null}
        {(message.kind === 'handover_accepted' || message.kind === 'handover_declined') && str(data.siteId) ? (
          <Link className="secondary block" to={`/portal/sites/${str(data.siteId)}`}>
            Open the site
          </Link>
        ) : null}
        {message.kind.startsWith('share') ? (
          <Link className="secondary block" to="/">
            Open Home
          </Link>
        ) : null}
      </article>
      {message.kind === 'handover_invitation' && invitationId && viewing ? <HandoverInvitation invitationId={invitationId} /> : null}
      {message.kind === 'permission_application' && applicationIds.length > 0 ? <ApplicationDecision applicationIds={applicationIds} /> : null}
      {message.kind === 'device_transfer' && str(data.transferId) ? <TransferOffer transferId={str(data.transferId)!} /> : null}
    </>
  );
}

function DeviceLink({ deviceId }: { deviceId: string }) {
  return (
    <Notice>
      <Link to={`/devices/${deviceId}/settings`}>Open the device</Link>
    </Notice>
  );
}
