import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, forgetKey, liveStream, onSignedOut, storedKey, storeKey } from './api';
import { ErrorNote, Field } from './components';
import { useLive, useRoute } from './hooks';
import './style.css';
import { AuditPage } from './views/audit';
import { BatchesPage, BatchPage } from './views/batches';
import { BookingPage, CharterDesk, OperatorPage } from './views/charter';
import { Board } from './views/board';
import { Overview } from './views/overview';
import { RunPage } from './views/run';
import { SyncPage } from './views/sync';
import { WebhooksPage } from './views/webhooks';

interface View {
  path: string;
  title: string;
}

const VIEWS: View[] = [
  { path: '/', title: 'Overview' },
  { path: '/board', title: 'Pipeline' },
  { path: '/batches', title: 'Batches' },
  { path: '/charter', title: 'Charter desk' },
  { path: '/sync', title: 'Sync' },
  { path: '/webhooks', title: 'Webhooks' },
  { path: '/audit', title: 'Audit' },
];

function SignIn({ message, onSignedIn }: { message: string | null; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      // Any read proves the key; the status is what every view needs first.
      await api('/status', { key: key.trim() });
      storeKey(key.trim());
      onSignedIn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>JetVision ops console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="API key">
          <input
            type="password"
            name="apiKey"
            autoComplete="off"
            required
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </Field>
        <p class="muted">Kept for this browser tab only. The key's scope decides which actions work.</p>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const live = useLive();
  useEffect(() => {
    liveStream.start();
    return () => liveStream.stop();
  }, []);
  const first = route.split('?')[0]?.split('/')[1] ?? '';
  const section = first === 'runs' ? '/board' : `/${first}`;
  return (
    <div class="shell">
      <header>
        <strong class="brand">JetVision ops</strong>
        <nav aria-label="Views">
          {VIEWS.map((view) => (
            <a key={view.path} href={`#${view.path}`} aria-current={section === view.path ? 'page' : undefined}>
              {view.title}
            </a>
          ))}
        </nav>
        <span class={live ? 'live on' : 'live'} data-live={live ? 'on' : 'off'} title="Event stream">
          {live ? 'live' : 'offline'}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>{page(route)}</main>
    </div>
  );
}

function page(route: string) {
  const [path = '', search = ''] = route.split('?');
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
      return <Overview />;
    case 'board':
      return <Board query={new URLSearchParams(search)} />;
    case 'batches':
      return parts[1] ? <BatchPage id={parts[1]} /> : <BatchesPage />;
    case 'charter':
      if (parts[1] === 'bookings' && parts[2]) return <BookingPage key={parts[2]} id={parts[2]} />;
      if (parts[1] === 'operators' && parts[2]) return <OperatorPage id={parts[2]} />;
      return <CharterDesk />;
    case 'sync':
      return <SyncPage />;
    case 'audit':
      return <AuditPage key={search} query={new URLSearchParams(search)} />;
    case 'webhooks':
      return <WebhooksPage query={new URLSearchParams(search)} />;
    case 'runs':
      return parts[1] ? <RunPage id={parts[1]} /> : <Board query={new URLSearchParams(search)} />;
    default:
      return (
        <p>
          Nothing here. <a href="#/">Overview</a>
        </p>
      );
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(storedKey() !== null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(
    () =>
      onSignedOut((reason) => {
        setMessage(`Signed out: ${reason}`);
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) return <SignIn message={message} onSignedIn={() => setSignedIn(true)} />;
  return (
    <Shell
      onSignOut={() => {
        forgetKey();
        setMessage(null);
        setSignedIn(false);
      }}
    />
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
