// The route table. Signed-out visitors only reach the login and sign-up screens.
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/ui.tsx';
import { UnreadProvider } from './lib/unread.tsx';
import { RoleProvider, useRole } from './lib/role.tsx';
import { LoginPage, ResetPasswordPage, SignUpPage } from './pages/Auth.tsx';
import { AddDevicePage } from './pages/AddDevice.tsx';
import { AuthorizationServicePage } from './pages/AuthorizationService.tsx';
import { DeviceSettingsPage } from './pages/DeviceSettings.tsx';
import { HomePage } from './pages/Home.tsx';
import { ShareDevicePage } from './pages/ShareDevice.tsx';
import { MePage } from './pages/Me.tsx';
import { AuthorizedDevicesPage } from './pages/AuthorizedDevices.tsx';
import { EntrustPage } from './pages/Entrust.tsx';
import { ShareDevicesPage } from './pages/ShareDevices.tsx';
import { PortalPage } from './pages/Portal.tsx';
import { SitePage } from './pages/Site.tsx';
import { MessagePage, MessagesPage } from './pages/Messages.tsx';
import { MyQrPage } from './pages/MyQr.tsx';
import { VerifyPage } from './pages/Verify.tsx';
import { SecurityPage } from './pages/Security.tsx';
import { MyWebhooksPage, OrgWebhooksPage } from './pages/Webhooks.tsx';
import { LivePage } from './pages/Live.tsx';
import { PlaybackPage } from './pages/Playback.tsx';
import { GuestLinksPage } from './pages/GuestLinks.tsx';
import { ClaimPage, ClaimsPage, NewClaimPage } from './pages/Claims.tsx';
import { OperatorClaimPage, OperatorClaimsPage } from './pages/OperatorClaims.tsx';
import { useSession } from './session.tsx';
import { useTranslation } from 'react-i18next';
import { HouseholdPage } from './pages/Household.tsx';

function SignedOut() {
  const location = useLocation();
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/signup" element={<SignUpPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route
        path="*"
        element={<Navigate to="/login" replace state={{ from: location.pathname + location.search }} />}
      />
    </Routes>
  );
}

export function App() {
  const { account, unreachable, refresh } = useSession();
  if (account === undefined) {
    return <main className="auth">{unreachable ? <Offline onRetry={() => void refresh()} /> : <Loading />}</main>;
  }
  if (account === null) return <SignedOut />;
  return (
    <UnreadProvider>
      <RoleProvider>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<HomePage />} />
            <Route path="devices/add" element={<AddDevicePage />} />
            <Route path="devices/:id/settings" element={<DeviceSettingsPage />} />
            <Route path="devices/:id/share" element={<ShareDevicePage />} />
            <Route path="devices/:id/authorization" element={<AuthorizationServicePage />} />
            <Route path="devices/:id/live/:channel?" element={<LivePage />} />
            <Route path="devices/:id/household" element={<HouseholdPage />} />
            <Route path="devices/:id/playback/:channel?" element={<PlaybackPage />} />
            <Route path="devices/:id/guest-links" element={<GuestLinksPage />} />
            <Route path="messages" element={<MessagesPage />} />
            <Route path="messages/:id" element={<MessagePage />} />
            <Route path="portal" element={<PortalPage />} />
            <Route path="portal/sites/:siteId" element={<SitePage />} />
            <Route path="me" element={<MePage />} />
            <Route path="me/share-devices" element={<ShareDevicesPage />} />
            <Route path="me/authorized-devices" element={<AuthorizedDevicesPage />} />
            <Route path="me/entrust" element={<EntrustPage />} />
            <Route path="me/verify" element={<VerifyPage />} />
            <Route path="me/qr" element={<MyQrPage />} />
            <Route path="me/security" element={<SecurityPage />} />
            <Route path="me/webhooks" element={<MyWebhooksPage />} />
            <Route path="portal/orgs/:orgId/webhooks" element={<OrgWebhooksPage />} />
            <Route path="claims" element={<ClaimsPage />} />
            <Route path="claims/new" element={<NewClaimPage />} />
            <Route path="claims/:id" element={<ClaimPage />} />
            <Route path="operator/claims" element={<OperatorClaimsPage />} />
            <Route path="operator/claims/:id" element={<OperatorClaimPage />} />
            <Route path="login" element={<AfterLogin />} />
            <Route path="signup" element={<Navigate to="/me/verify" replace />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </RoleProvider>
    </UnreadProvider>
  );
}

/** Just logged in: back to where the login was asked for, else where the person's work is. */
function AfterLogin() {
  const from = (useLocation().state as { from?: string } | null)?.from;
  const { installer } = useRole();
  if (from && !from.startsWith('/login')) return <Navigate to={from} replace />;
  if (installer === undefined) return <Loading />;
  return <Navigate to={installer ? '/portal' : '/'} replace />;
}

/** Opened without a connection: the shell came from the service worker's cache, the account cannot be asked for. */
function Offline({ onRetry }: { onRetry(): void }) {
  const { t } = useTranslation();
  return (
    <div className="card offline-screen" role="alert">
      <h1>{t('offline.title')}</h1>
      <p>{t('offline.text')}</p>
      <button type="button" className="primary" onClick={onRetry}>
        {t('common.tryAgain')}
      </button>
    </div>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('common.notFound')}</h1>
      <p>{t('common.notFoundText')}</p>
    </section>
  );
}
