/** The login page: username and password, POST /api/v1/session (which sets the HttpOnly session cookie). */
import { type FormEvent, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { User } from '../api/types.ts';
import { errorText } from './common.tsx';

export function LoginView({ api, onLoggedIn }: { api: ApiClient; onLoggedIn(user: User): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.login(username.trim(), password);
      onLoggedIn(r.user);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-box" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">deskex</h1>
        <p className="muted">Log in to the exchange.</p>
        <label htmlFor="login-user">Username</label>
        <input
          id="login-user"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          // biome-ignore lint/a11y/noAutofocus: the login form is the only thing on the page
          autoFocus
        />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted small">
          First start: the user is <code>admin</code>, its password is in <code>DATA/admin-password.txt</code>.
        </p>
      </form>
    </main>
  );
}
