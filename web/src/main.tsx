import './i18n/index.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { SessionProvider } from './session.tsx';
import { registerServiceWorker } from './lib/pwa.ts';
import { GuestPage } from './pages/Guest.tsx';
import './styles.css';

// A guest link's watch page needs no account: it never asks for the session (docs/sharing.md, "Guest links").
const guest = window.location.pathname === '/guest';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {guest ? (
      <GuestPage />
    ) : (
      <BrowserRouter>
        <SessionProvider>
          <App />
        </SessionProvider>
      </BrowserRouter>
    )}
  </StrictMode>,
);

registerServiceWorker();
