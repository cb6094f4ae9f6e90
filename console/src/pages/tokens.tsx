import { useEffect, useState } from 'preact/hooks';
import { api, ApiToken } from '../api';
import { attempt, ErrorText } from '../dialog';
import { formatDate } from '../format';

const SCOPES = [
  { scope: 'files:read', label: 'Read files' },
  { scope: 'files:write', label: 'Write files' },
  { scope: 'users:manage', label: 'Manage users' },
];

export function TokensPage() {
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState<string[]>(['files:read', 'files:write']);
  const [created, setCreated] = useState<{ description: string; token: string }>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api.tokens().then(
      (page) => setTokens(page.items),
      (e: Error) => setError(e.message),
    );
  }, [reload]);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(setError, async () => {
      const token = await api.createToken(description, scopes);
      setCreated({ description: token.description, token: token.token });
      setCopied(false);
      setDescription('');
      setReload((n) => n + 1);
    });
  };
  const revoke = async (token: ApiToken) => {
    await attempt(setError, async () => {
      await api.revokeToken(token.id);
      setReload((n) => n + 1);
    });
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      setError('The browser did not allow copying: select the token and copy it by hand.');
    }
  };
  const toggle = (scope: string, on: boolean) => setScopes((list) => (on ? [...list, scope] : list.filter((s) => s !== scope)));

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <p class="hint">For scripts and tools: send a token as Authorization: Bearer. It is shown once, when created.</p>
      <form class="card" onSubmit={(event) => void create(event)}>
        <label>
          Description
          <input required maxLength={255} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(({ scope, label }) => (
            <label key={scope} class="check">
              <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.currentTarget.checked)} />
              {label} ({scope})
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={scopes.length === 0}>
          Create token
        </button>
      </form>
      <ErrorText message={error} />
      {created && (
        <div class="card created" role="status">
          <p>
            New token <strong>{created.description}</strong>: copy it now, it will not be shown again.
          </p>
          <label>
            New token
            <input readOnly value={created.token} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td data-label="Description">{token.description}</td>
                <td data-label="Scopes">{token.scopes.join(', ')}</td>
                <td data-label="Created">{formatDate(token.createdAt)}</td>
                <td data-label="Last used">{token.lastUsedAt ? formatDate(token.lastUsedAt) : 'never'}</td>
                <td class="actions">
                  <button type="button" class="danger" onClick={() => void revoke(token)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {tokens.length === 0 && <p class="empty">No tokens.</p>}
      </div>
    </section>
  );
}
