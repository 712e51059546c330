// Me → Service → Authorized Devices: every device of mine an installer organization is authorized on.
import { Link } from 'react-router';
import { validityInWords } from '../lib/format.ts';
import { api, call } from '../api/client.ts';
import { Async, Chips, Page } from '../components/ui.tsx';
import { useLoad } from '../lib/hooks.ts';

export function AuthorizedDevicesPage() {
  const list = useLoad(() => call(api.GET('/api/authorized-devices')), []);
  return (
    <Page
      title="Authorized Devices"
      back="/me"
      actions={
        <Link className="primary small-btn" to="/me/entrust">
          Authorize an installer
        </Link>
      }
    >
      <Async state={list} what="Loading" empty="No installer is authorized on any of your devices.">
        {(items) => (
          <ul className="list" aria-label="Authorized devices">
            {items.map((a) => (
              <li key={a.id}>
                <Link className="list-link" to={`/devices/${a.deviceId}/authorization`}>
                  <div className="spread">
                    <span className="title">{a.deviceName ?? a.deviceId}</span>
                    <span className={a.status === 'authorized' ? 'tag ok' : 'tag'}>{a.statusLabel}</span>
                  </div>
                  <div className="muted small">{a.org.name}</div>
                  {a.permissions.length > 0 ? (
                    <Chips items={a.permissions.map((p) => `${p.label} · ${validityInWords(p)}`)} />
                  ) : (
                    <p className="no-permission">No permissions.</p>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Page>
  );
}
