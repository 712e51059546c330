// A device's live side (the device link): its health section and Remote configuration, shown to the owner in device
// settings and to an installer from the site screen. Status is refreshed by short polling (docs/device-link.md).
import { useState, type FormEvent } from 'react';
import { api, call, type Res } from '../api/client.ts';
import { Async, Confirm, ErrorBox, Field, Notice, StatusDot } from './ui.tsx';
import { useAction, useLoad, usePolling } from '../lib/hooks.ts';
import { dateTime } from '../lib/format.ts';

type Health = Res<'/api/devices/{id}/health', 'get'>;
export type SiteException = Res<'/api/sites/{siteId}/exceptions', 'get'>['items'][number];

/** How often live screens re-read device status. */
export const LIVE_REFRESH_MS = 5000;

const STORAGE_TEXT: Record<string, string> = { ok: 'OK', absent: 'No disk', error: 'Error', full: 'Full' };

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function ExceptionList({ items, showDevice }: { items: SiteException[]; showDevice?: boolean }) {
  return (
    <ul className="list" aria-label="Exceptions">
      {items.map((e) => (
        <li key={e.id} className={e.clearedAt === null ? 'exception open' : 'exception'}>
          <div className="spread">
            <span className="strong">
              {e.label}
              {e.channel !== null ? ` · channel ${e.channel}` : ''}
            </span>
            {e.clearedAt === null ? <span className="tag bad">Open</span> : <span className="tag">Cleared</span>}
          </div>
          {showDevice ? <div className="small">{e.deviceName}</div> : null}
          <div className="muted small">{e.detail}</div>
          <div className="muted small">
            Raised {dateTime(e.raisedAt)}
            {e.clearedAt !== null ? ` · cleared ${dateTime(e.clearedAt)}` : ''}
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
  return (
    <section aria-label="Health">
      <h2>Health</h2>
      <Async state={health} what="Loading the device's health">
        {(h) => <HealthView health={h} />}
      </Async>
    </section>
  );
}

function HealthView({ health }: { health: Health }) {
  const r = health.health?.report;
  const problems = r?.channels.filter((c) => c.videoLoss || c.tampering) ?? [];
  return (
    <div className="card">
      <div className="spread">
        <StatusDot online={health.online} />
        <span className="muted small">
          {health.lastSeenAt
            ? `Last seen ${dateTime(health.lastSeenAt)}`
            : health.linked
              ? 'Never connected'
              : 'Not linked yet'}
        </span>
      </div>
      {r ? (
        <dl className="facts">
          <dt>Storage</dt>
          <dd>
            {r.storage.length === 0
              ? 'None'
              : r.storage.map((s) => `Disk ${s.slot}: ${STORAGE_TEXT[s.state] ?? s.state}`).join(' · ')}
          </dd>
          <dt>Video</dt>
          <dd>
            {problems.length === 0
              ? 'Every channel OK'
              : problems
                  .map(
                    (c) =>
                      `Channel ${c.channel}: ${[c.videoLoss ? 'video loss' : '', c.tampering ? 'tampering' : ''].filter(Boolean).join(', ')}`,
                  )
                  .join(' · ')}
          </dd>
          {r.firmware ? (
            <>
              <dt>Firmware</dt>
              <dd>{r.firmware}</dd>
            </>
          ) : null}
          {r.uptimeS !== undefined ? (
            <>
              <dt>Uptime</dt>
              <dd>{duration(r.uptimeS)}</dd>
            </>
          ) : null}
          {r.clockDriftMs !== undefined ? (
            <>
              <dt>Clock</dt>
              <dd>{Math.abs(r.clockDriftMs) < 1000 ? 'In sync' : `${Math.round(r.clockDriftMs / 1000)} s off`}</dd>
            </>
          ) : null}
          <dt>Reported</dt>
          <dd>{dateTime(health.health!.reportedAt)}</dd>
        </dl>
      ) : (
        <p className="muted small">No health report yet.</p>
      )}
      {health.exceptions.length > 0 ? (
        <ExceptionList items={health.exceptions} />
      ) : (
        <p className="muted small">No exceptions.</p>
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
      action.setError(`The device could not do it: ${answer.error?.message ?? 'unknown error'}`);
      return false;
    }
    setDone(success);
    return true;
  }

  return (
    <section aria-label="Remote configuration">
      <h2>Remote configuration</h2>
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
            Reboot
          </button>
          <button
            type="button"
            className="secondary small-btn"
            disabled={action.busy}
            onClick={() => void send({ type: 'request_health' }, 'The device is reporting its health.')}
          >
            Report health now
          </button>
          <button
            type="button"
            className="secondary small-btn"
            onClick={() => setFormatting(true)}
            disabled={action.busy}
          >
            Format storage
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
                `Time zone set to ${timeZone.trim()}.`,
              );
          }}
        >
          <Field label="Time zone (e.g. Europe/Dublin)">
            {(p) => <input {...p} name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />}
          </Field>
          <button type="submit" className="secondary small-btn" disabled={action.busy || !timeZone.trim()}>
            Set time zone
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
                `Channel ${channel} is now called "${channelName.trim()}" on the device.`,
              );
          }}
        >
          {channels === undefined ? (
            <Field label="Channel">
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
            <Field label="Channel">
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
          <Field label="Channel name on the device">
            {(p) => (
              <input {...p} name="channelName" value={channelName} onChange={(e) => setChannelName(e.target.value)} />
            )}
          </Field>
          <button type="submit" className="secondary small-btn" disabled={action.busy || !channelName.trim()}>
            Set channel name
          </button>
        </form>
      </div>
      <Confirm
        open={rebooting}
        title="Reboot the device?"
        message="It goes offline for a moment and comes back by itself."
        confirmLabel="Reboot"
        busy={action.busy}
        error={action.error}
        onCancel={() => setRebooting(false)}
        onConfirm={async () => {
          if (await send({ type: 'reboot' }, 'The device is rebooting.')) setRebooting(false);
        }}
      />
      <Confirm
        open={formatting}
        title="Format the disk?"
        message="Every recording on disk 1 is erased. This cannot be undone."
        confirmLabel="Format"
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setFormatting(false)}
        onConfirm={async () => {
          if (await send({ type: 'format_storage', params: { slot: 1 }, confirm: true }, 'Disk 1 was formatted.'))
            setFormatting(false);
        }}
      />
    </section>
  );
}
