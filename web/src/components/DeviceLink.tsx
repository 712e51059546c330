// A device's live side (the device link): its health section and Remote configuration, shown to the owner in device
// settings and to an installer from the site screen. Status is refreshed by short polling (docs/device-link.md).
import i18next from 'i18next';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Res } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, StatusDot } from './ui.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { dateTime } from '../lib/format.ts';

type Health = Res<'/api/devices/{id}/health', 'get'>;
export type SiteException = Res<'/api/sites/{siteId}/exceptions', 'get'>['items'][number];

/** How often live screens re-read device status. */
export const LIVE_REFRESH_MS = 5000;

const STORAGE_STATES = new Set(['ok', 'absent', 'error', 'full']);

function storageText(state: string): string {
  return STORAGE_STATES.has(state) ? i18next.t(`deviceLink.storageState.${state}`) : state;
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0
    ? i18next.t('deviceLink.uptimeDays', { d, h })
    : h > 0
      ? i18next.t('deviceLink.uptimeHours', { h, m })
      : i18next.t('deviceLink.uptimeMinutes', { m });
}

export function ExceptionList({ items, showDevice }: { items: SiteException[]; showDevice?: boolean }) {
  const { t } = useTranslation();
  return (
    <ul className="list" aria-label={t('deviceLink.exceptions')}>
      {items.map((e) => (
        <li key={e.id} className={e.clearedAt === null ? 'exception open' : 'exception'}>
          <div className="spread">
            <span className="strong">
              {e.label}
              {e.channel !== null ? ` · ${t('deviceLink.onChannel', { channel: e.channel })}` : ''}
            </span>
            {e.clearedAt === null ? (
              <span className="tag bad">{t('deviceLink.open')}</span>
            ) : (
              <span className="tag">{t('deviceLink.cleared')}</span>
            )}
          </div>
          {showDevice ? <div className="small">{e.deviceName}</div> : null}
          <div className="muted small">{e.detail}</div>
          <div className="muted small">
            {t('deviceLink.raised', { when: dateTime(e.raisedAt) })}
            {e.clearedAt !== null ? ` · ${t('deviceLink.clearedAt', { when: dateTime(e.clearedAt) })}` : ''}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Online state, the latest health report and the device's exceptions. */
export function HealthSection({ deviceId }: { deviceId: string }) {
  const health = useLoad(
    () => call(api.GET('/api/devices/{id}/health', { params: { path: { id: deviceId } } })),
    [deviceId],
  );
  usePolling(health.reload, LIVE_REFRESH_MS);
  const { t } = useTranslation();
  return (
    <section aria-label={t('deviceLink.health')}>
      <h2>{t('deviceLink.health')}</h2>
      <Async state={health} what={t('deviceLink.loadingHealth')}>
        {(h) => <HealthView health={h} />}
      </Async>
    </section>
  );
}

function HealthView({ health }: { health: Health }) {
  const r = health.health?.report;
  const problems = r?.channels.filter((c) => c.videoLoss || c.tampering) ?? [];
  const { t } = useTranslation();
  return (
    <div className="card">
      <div className="spread">
        <StatusDot online={health.online} />
        <span className="muted small">
          {health.lastSeenAt
            ? t('deviceLink.lastSeen', { when: dateTime(health.lastSeenAt) })
            : health.linked
              ? t('deviceLink.neverConnected')
              : t('deviceLink.notLinked')}
        </span>
      </div>
      {r ? (
        <dl className="facts">
          <dt>{t('deviceLink.storage')}</dt>
          <dd>
            {r.storage.length === 0
              ? t('deviceLink.noStorage')
              : r.storage.map((s) => t('deviceLink.disk', { slot: s.slot, state: storageText(s.state) })).join(' · ')}
          </dd>
          <dt>{t('deviceLink.video')}</dt>
          <dd>
            {problems.length === 0
              ? t('deviceLink.videoOk')
              : problems
                  .map((c) =>
                    t('deviceLink.channelProblems', {
                      channel: c.channel,
                      problems: [
                        c.videoLoss ? t('deviceLink.videoLoss') : '',
                        c.tampering ? t('deviceLink.tampering') : '',
                      ]
                        .filter(Boolean)
                        .join(', '),
                    }),
                  )
                  .join(' · ')}
          </dd>
          {r.firmware ? (
            <>
              <dt>{t('deviceLink.firmware')}</dt>
              <dd>{r.firmware}</dd>
            </>
          ) : null}
          {r.uptimeS !== undefined ? (
            <>
              <dt>{t('deviceLink.uptime')}</dt>
              <dd>{duration(r.uptimeS)}</dd>
            </>
          ) : null}
          {r.clockDriftMs !== undefined ? (
            <>
              <dt>{t('deviceLink.clock')}</dt>
              <dd>
                {Math.abs(r.clockDriftMs) < 1000
                  ? t('deviceLink.inSync')
                  : t('deviceLink.drift', { s: Math.round(r.clockDriftMs / 1000) })}
              </dd>
            </>
          ) : null}
          <dt>{t('deviceLink.reported')}</dt>
          <dd>{dateTime(health.health!.reportedAt)}</dd>
        </dl>
      ) : (
        <p className="muted small">{t('deviceLink.noReport')}</p>
      )}
      {health.exceptions.length > 0 ? (
        <ExceptionList items={health.exceptions} />
      ) : (
        <p className="muted small">{t('deviceLink.noExceptions')}</p>
      )}
    </div>
  );
}

/** Remote configuration: commands sent to the device over the device link, answered with its result. */
/** `channels`: the device's channel count when known (a picker), otherwise a number field. */
export function RemoteConfiguration({ deviceId, channels }: { deviceId: string; channels?: number }) {
  const [done, setDone] = useState<string | null>(null);
  const [rebooting, setRebooting] = useState(false);
  const [formatting, setFormatting] = useState(false);
  const [timeZone, setTimeZone] = useState('');
  const [channel, setChannel] = useState(1);
  const [channelName, setChannelName] = useState('');
  const action = useAction();
  const { t } = useTranslation();

  async function send(
    body: {
      type: 'reboot' | 'set_time_zone' | 'set_channel_name' | 'format_storage' | 'request_health';
      params?: Record<string, string | number>;
      confirm?: boolean;
    },
    success: string,
  ): Promise<boolean> {
    setDone(null);
    const answer = await action.run(() =>
      call(api.POST('/api/devices/{id}/commands', { params: { path: { id: deviceId } }, body })),
    );
    if (!answer) return false;
    if (!answer.ok) {
      action.setError(t('deviceLink.failed', { reason: answer.error?.message ?? t('deviceLink.unknownError') }));
      return false;
    }
    setDone(success);
    return true;
  }

  return (
    <section aria-label={t('deviceLink.remote')}>
      <h2>{t('deviceLink.remote')}</h2>
      <div className="card">
        {done ? <Notice tone="success">{done}</Notice> : null}
        {action.error && !rebooting && !formatting ? <ErrorBox message={action.error} /> : null}
        <div className="actions">
          <button
            type="button"
            className="secondary small-btn"
            onClick={() => setRebooting(true)}
            disabled={action.busy}
          >
            {t('deviceLink.reboot')}
          </button>
          <button
            type="button"
            className="secondary small-btn"
            disabled={action.busy}
            onClick={() => void send({ type: 'request_health' }, t('deviceLink.reportingHealth'))}
          >
            {t('deviceLink.reportHealth')}
          </button>
          <button
            type="button"
            className="secondary small-btn"
            onClick={() => setFormatting(true)}
            disabled={action.busy}
          >
            {t('deviceLink.formatStorage')}
          </button>
        </div>
        <form
          className="row"
          noValidate
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (timeZone.trim())
              void send(
                { type: 'set_time_zone', params: { timeZone: timeZone.trim() } },
                t('deviceLink.timeZoneSet', { zone: timeZone.trim() }),
              );
          }}
        >
          <Field label={t('deviceLink.timeZone')}>
            {(p) => <input {...p} name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />}
          </Field>
          <button type="submit" className="secondary small-btn" disabled={action.busy || !timeZone.trim()}>
            {t('deviceLink.setTimeZone')}
          </button>
        </form>
        <form
          className="row"
          noValidate
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (channelName.trim())
              void send(
                { type: 'set_channel_name', params: { channel, name: channelName.trim() } },
                t('deviceLink.channelNamed', { channel, name: channelName.trim() }),
              );
          }}
        >
          {channels === undefined ? (
            <Field label={t('deviceLink.channel')}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  min={1}
                  value={channel}
                  onChange={(e) => setChannel(Math.max(1, Number(e.target.value) || 1))}
                />
              )}
            </Field>
          ) : channels > 1 ? (
            <Field label={t('deviceLink.channel')}>
              {(p) => (
                <select {...p} value={channel} onChange={(e) => setChannel(Number(e.target.value))}>
                  {Array.from({ length: channels }, (_, i) => (
                    <option key={i + 1} value={i + 1}>
                      {i + 1}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          <Field label={t('deviceLink.channelName')}>
            {(p) => (
              <input {...p} name="channelName" value={channelName} onChange={(e) => setChannelName(e.target.value)} />
            )}
          </Field>
          <button type="submit" className="secondary small-btn" disabled={action.busy || !channelName.trim()}>
            {t('deviceLink.setChannelName')}
          </button>
        </form>
      </div>
      <Confirm
        open={rebooting}
        title={t('deviceLink.rebootTitle')}
        message={t('deviceLink.rebootText')}
        confirmLabel={t('deviceLink.reboot')}
        busy={action.busy}
        error={action.error}
        onCancel={() => setRebooting(false)}
        onConfirm={async () => {
          if (await send({ type: 'reboot' }, t('deviceLink.rebooting'))) setRebooting(false);
        }}
      />
      <Confirm
        open={formatting}
        title={t('deviceLink.formatTitle')}
        message={t('deviceLink.formatText')}
        confirmLabel={t('deviceLink.format')}
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setFormatting(false)}
        onConfirm={async () => {
          if (await send({ type: 'format_storage', params: { slot: 1 }, confirm: true }, t('deviceLink.formatted')))
            setFormatting(false);
        }}
      />
    </section>
  );
}
