// Home: my devices, then devices shared with me (marked with who shared them and what I may do now), then the
// devices I manage for their owners.
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, call, type Res } from '../api/client.ts';
import { DeviceIcon } from '../components/DeviceIcon.tsx';
import { Menu } from '../components/Menu.tsx';
import { Async, Chips, Confirm, Notice, Page, StatusDot } from '../components/ui.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { LIVE_REFRESH_MS } from '../components/DeviceLink.tsx';
import { PERMISSION_NAMES, label } from '../lib/permissions.ts';
import { deadline } from '../lib/format.ts';
import { useTranslation } from 'react-i18next';
import { ManagedDevices, useManagedDevices } from './Managers.tsx';

type HomeItem = Res<'/api/devices', 'get'>[number];

/** Everything a shared device allows right now, in catalog order. */
export function allowedNow(item: Pick<HomeItem, 'permissionsNow'>): string[] {
  const set = new Set((item.permissionsNow ?? []).flatMap((p) => p.permissions));
  return PERMISSION_NAMES.filter((p) => set.has(p));
}

/** For a device shared channel by channel, the names of the channels I may use now. */
function sharedChannels(item: HomeItem): string | null {
  if (item.channels.length <= 1) return null;
  const numbers = new Set((item.permissionsNow ?? []).map((p) => p.channel).filter((c): c is number => c !== null));
  if (numbers.size === 0 || numbers.size === item.channels.length) return null;
  return item.channels
    .filter((c) => numbers.has(c.number))
    .map((c) => c.name)
    .join(', ');
}

const PAGE = 50;

/** One page of the Home list and the cursor of the next one (null after the last). */
async function loadPage(q: string, cursor: string | null): Promise<{ items: HomeItem[]; next: string | null }> {
  const pending = api.GET('/api/devices', {
    params: { query: { limit: PAGE, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) } },
  });
  const items = await call(pending);
  return { items, next: (await pending).response.headers.get('x-next-cursor') };
}

export function HomePage() {
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  // Typing settles for a moment before the list is asked again.
  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const first = useLoad(() => loadPage(query, null), [query]);
  const [more, setMore] = useState<{ items: HomeItem[]; next: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => setMore(null), [first.data]);
  const next = more ? more.next : (first.data?.next ?? null);
  // One request per cursor: scrolling and the button may both ask for the same next page.
  const asked = useRef<string | null>(null);
  const showMore = async () => {
    if (!next || asked.current === next) return;
    asked.current = next;
    setLoadingMore(true);
    try {
      const page = await loadPage(query, next);
      setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], next: page.next }));
    } catch {
      asked.current = null; // let the person try again
    } finally {
      setLoadingMore(false);
    }
  };
  // Scrolling to the end of the list loads the next page.
  const sentinel = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !next || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void showMore();
    });
    io.observe(el);
    return () => io.disconnect();
  });
  // Online states refresh while only the first page is shown (a refresh would drop the pages loaded after it).
  usePolling(() => {
    if (!more) first.reload();
  }, LIVE_REFRESH_MS);
  const devices = {
    ...first,
    data: first.data ? [...first.data.items, ...(more?.items ?? [])] : undefined,
  };
  const { t } = useTranslation();
  const managed = useManagedDevices().data ?? [];
  return (
    <Page
      title={t('home.title')}
      actions={
        <Link className="primary small-btn" to="/devices/add">
          {t('home.add')}
        </Link>
      }
    >
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <input
        type="search"
        className="search"
        aria-label={t('home.searchLabel')}
        placeholder={t('home.searchPlaceholder')}
        value={search}
        maxLength={100}
        onChange={(e) => setSearch(e.target.value)}
      />
      <Async
        state={devices}
        what={t('home.loading')}
        empty={
          query ? (
            <p>{t('home.noMatch', { query })}</p>
          ) : managed.length > 0 ? (
            <p className="small">{t('managers.noneOwn')}</p>
          ) : (
            <>
              <p>{t('home.empty')}</p>
              <p className="small">{t('home.emptyHint')}</p>
            </>
          )
        }
      >
        {(items) => {
          const owned = items.filter((d) => d.access === 'owner');
          const shared = items.filter((d) => d.access === 'shared');
          const twins = namesTwice(items);
          return (
            <>
              {owned.length > 0 ? (
                <>
                  <h2>{t('home.mine')}</h2>
                  <ul className="list" aria-label={t('home.mine')}>
                    {owned.map((d) => (
                      <DeviceRow key={d.id} item={d} onChange={devices.reload} twin={twins.has(d.name)} />
                    ))}
                  </ul>
                </>
              ) : null}
              {shared.length > 0 ? (
                <>
                  <h2>{t('home.sharedWithMe')}</h2>
                  <ul className="list" aria-label={t('home.sharedWithMe')}>
                    {shared.map((d) => (
                      <DeviceRow key={d.id} item={d} onChange={devices.reload} twin={twins.has(d.name)} />
                    ))}
                  </ul>
                </>
              ) : null}
              {next ? (
                <div ref={sentinel}>
                  <button type="button" className="secondary" onClick={() => void showMore()} disabled={loadingMore}>
                    {loadingMore ? t('home.loadingMore') : t('home.showMore')}
                  </button>
                </div>
              ) : null}
            </>
          );
        }}
      </Async>
      {query ? null : <ManagedDevices list={managed} />}
    </Page>
  );
}

/** Names that more than one device on the list carries (e.g. two "Coastal I-Series NVR" after a handover). */
function namesTwice(items: HomeItem[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const d of items) (seen.has(d.name) ? twice : seen).add(d.name);
  return twice;
}

/** The end of a serial number, as printed on the label: enough to tell two devices apart. */
export function serialTail(serial: string): string {
  return serial.length > 6 ? `…${serial.slice(-6)}` : serial;
}

function DeviceRow({ item, onChange, twin }: { item: HomeItem; onChange(): void; twin: boolean }) {
  const navigate = useNavigate();
  const { t } = useTranslation();
  const [removing, setRemoving] = useState(false);
  const action = useAction();
  const shared = item.access === 'shared';
  const now = shared ? allowedNow(item) : [];
  return (
    <li className="list-item" aria-label={item.name}>
      <DeviceIcon kind={item.kind} />
      <div className="grow">
        <div className="title">{item.name}</div>
        <div className="row small">
          <StatusDot online={item.online} />
          <span className="muted">
            {[
              item.model !== item.name ? item.model : null,
              item.channels.length > 1 ? t('home.channels', { count: item.channels.length }) : null,
              twin && item.serial ? t('home.serial', { tail: serialTail(item.serial) }) : null,
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </div>
        {shared ? (
          <>
            <div className="small">
              <span className="tag info">
                {t('home.sharedBy', { name: item.sharedBy?.displayName ?? t('home.itsOwner') })}
              </span>{' '}
              {!item.activeNow ? <span className="tag warn">{t('home.notNow')}</span> : null}
            </div>
            {sharedChannels(item) ? (
              <div className="muted small">{t('home.channelsNow', { names: sharedChannels(item) })}</div>
            ) : null}
            {now.length > 0 ? <Chips items={now.map(label)} /> : null}
            {item.changesAt ? (
              <div className="muted small">{t('time.changes', { when: deadline(item.changesAt) })}</div>
            ) : null}
          </>
        ) : null}
      </div>
      {!shared || now.includes('live_view') ? (
        <Link className="small-btn" to={`/devices/${item.id}/live`} aria-label={t('home.liveOf', { name: item.name })}>
          ▶ {t('home.live')}
        </Link>
      ) : null}
      <Menu label={t('home.more', { name: item.name })}>
        {(close) =>
          shared ? (
            <>
              {now.includes('playback') ? (
                <button type="button" role="menuitem" onClick={() => navigate(`/devices/${item.id}/playback`)}>
                  {t('shares.recordings')}
                </button>
              ) : null}
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  close();
                  setRemoving(true);
                }}
              >
                {t('home.removeMine')}
              </button>
            </>
          ) : (
            <>
              {item.supportsSharing ? (
                <button type="button" role="menuitem" onClick={() => navigate(`/devices/${item.id}/share`)}>
                  {t('home.share')}
                </button>
              ) : null}
              <button type="button" role="menuitem" onClick={() => navigate(`/devices/${item.id}/playback`)}>
                {t('shares.recordings')}
              </button>
              <button type="button" role="menuitem" onClick={() => navigate(`/devices/${item.id}/settings`)}>
                {t('home.settings')}
              </button>
            </>
          )
        }
      </Menu>
      {shared ? (
        <Confirm
          open={removing}
          title={t('home.removeTitle', { name: item.name })}
          message={t('home.removeText', { owner: item.sharedBy?.displayName ?? t('home.removeOwner') })}
          confirmLabel={t('common.remove')}
          danger
          busy={action.busy}
          error={action.error}
          onCancel={() => setRemoving(false)}
          onConfirm={async () => {
            const done = await action.run(() =>
              call(api.DELETE('/api/shares/{id}', { params: { path: { id: item.shareId ?? '' } } })),
            );
            if (done) {
              setRemoving(false);
              onChange();
            }
          }}
        />
      ) : null}
    </li>
  );
}
