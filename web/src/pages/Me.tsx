// Me: who I am, my QR ID, services, the installer portal, log out.
import { Link } from 'react-router';
import { Page } from '../components/ui.tsx';
import { PushToggle } from '../components/PushToggle.tsx';
import { useAccount, useSession } from '../session.tsx';
import { useRole } from '../lib/role.tsx';

export function MePage() {
  const account = useAccount();
  const { logout } = useSession();
  const { installer } = useRole();
  return (
    <Page title="Me">
      <div className="card profile">
        <div className="avatar" aria-hidden="true">
          {account.displayName.slice(0, 1).toUpperCase()}
        </div>
        <div>
          <div className="strong">{account.displayName}</div>
          {account.email ? (
            <div className="muted">
              {account.email}{' '}
              {account.emailVerified ? (
                <span className="tag ok">verified</span>
              ) : (
                <span className="tag warn">not verified</span>
              )}
            </div>
          ) : null}
          {account.phone ? (
            <div className="muted">
              {account.phone}{' '}
              {account.phoneVerified ? (
                <span className="tag ok">verified</span>
              ) : (
                <span className="tag warn">not verified</span>
              )}
            </div>
          ) : null}
        </div>
      </div>
      {(account.email && !account.emailVerified) || (account.phone && !account.phoneVerified) ? (
        <Link className="notice warning block-link" to="/me/verify">
          Verify your account so shares and invitations can reach you ›
        </Link>
      ) : null}
      <PushToggle />
      <ul className="menu">
        <li>
          <Link to="/me/qr">My QR ID</Link>
        </li>
      </ul>
      <h2>Service</h2>
      <ul className="menu" aria-label="Service">
        <li>
          <Link to="/me/share-devices">Share Devices</Link>
        </li>
        <li>
          <Link to="/me/authorized-devices">Authorized Devices</Link>
        </li>
      </ul>
      {installer ? (
        <ul className="menu">
          <li>
            <Link to="/portal">Installer portal</Link>
          </li>
        </ul>
      ) : null}
      <button type="button" className="secondary block" onClick={() => void logout()}>
        Log out
      </button>
      {installer ? null : (
        <p className="muted small center">
          Installing cameras for customers? <Link to="/portal">Set up an installer organization</Link>
        </p>
      )}
    </Page>
  );
}
