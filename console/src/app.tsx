import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, Me } from './api';
import { ErrorText } from './dialog';
import { FilesPage } from './pages/files';
import { TokensPage } from './pages/tokens';
import { UsersPage } from './pages/users';

type Route = 'files' | 'tokens' | 'users';

const routeOf = (hash: string): Route => (hash === '#/tokens' ? 'tokens' : hash === '#/users' ? 'users' : 'files');

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(routeOf(location.hash));

  const loadMe = useCallback(() => {
    api.me().then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else setMe(null);
    });
  }, []);
  useEffect(loadMe, [loadMe]);
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={loadMe} />;

  const isAdmin = me.permissions.includes('user:manage');
  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    setMe(null);
  };
  const link = (to: Route, label: string) => (
    <a href={`#/${to}`} aria-current={route === to ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <span class="brand">Stowage</span>
        <nav aria-label="Main">
          {link('files', 'Files')}
          {link('tokens', 'API tokens')}
          {isAdmin && link('users', 'Users')}
        </nav>
        <span class="who">{me.username}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {route === 'files' && <FilesPage me={me} />}
        {route === 'tokens' && <TokensPage />}
        {route === 'users' && (isAdmin ? <UsersPage me={me} /> : <p>Only administrators manage users.</p>)}
      </main>
    </>
  );
}

export function SignIn(props: { onSignedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [token, setToken] = useState('');
  const attempt = async (event: Event, signIn: () => Promise<unknown>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn();
      props.onSignedIn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: Event) => attempt(event, () => api.signIn(username, password));
  const submitToken = (event: Event) => attempt(event, () => api.signInWithToken(token.trim()));
  return (
    <main class="signin">
      <h1>Stowage</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorText message={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <details class="token-signin">
        <summary>Sign in with a token (single sign-on users)</summary>
        <form onSubmit={(event) => void submitToken(event)}>
          <label>
            Token
            <input type="password" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </label>
          <p class="hint">Paste an access token of your identity provider; the session ends when the token does.</p>
          <button type="submit" disabled={busy}>
            Use token
          </button>
        </form>
      </details>
    </main>
  );
}
