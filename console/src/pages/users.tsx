import { useEffect, useState } from 'preact/hooks';
import { api, Me, UserItem } from '../api';
import { attempt, ConfirmDeleteDialog, Dialog, ErrorText } from '../dialog';
import { formatBytes, parseQuota, ROLES } from '../format';

export function UsersPage(props: { me: Me }) {
  const [users, setUsers] = useState<UserItem[]>([]);
  const [total, setTotal] = useState(0);
  const [offset, setOffset] = useState(0);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(['editor']);
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  const [deleting, setDeleting] = useState<UserItem>();
  const [quota, setQuota] = useState<UserItem>();
  useEffect(() => {
    api.users(offset).then(
      (page) => (setUsers(page.items), setTotal(page.total)),
      (e: Error) => setError(e.message),
    );
  }, [offset, reload]);
  const refresh = () => setReload((n) => n + 1);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(setError, async () => {
      await api.createUser(username, password, roles);
      setUsername('');
      setPassword('');
      refresh();
    });
  };
  const toggle = (role: string, on: boolean) => setRoles((list) => (on ? [...list, role] : list.filter((r) => r !== role)));

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <form class="card" onSubmit={(event) => void create(event)}>
        <label>
          New username
          <input required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input
            required
            type="password"
            minLength={8}
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map((role) => (
            <label key={role} class="check">
              <input type="checkbox" checked={roles.includes(role)} onChange={(e) => toggle(role, e.currentTarget.checked)} />
              {role}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create user</button>
      </form>
      <ErrorText message={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Roles</th>
              <th scope="col">Quota</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td data-label="Username">{user.username}</td>
                <td data-label="Roles">{user.roles.join(', ') || 'none'}</td>
                <td data-label="Quota">
                  {user.quotaBytes === null ? 'default bytes' : formatBytes(user.quotaBytes)},{' '}
                  {user.quotaFiles === null ? 'default files' : `${user.quotaFiles} files`}
                </td>
                <td class="actions">
                  <button type="button" onClick={() => setQuota(user)}>
                    Quota
                  </button>
                  <button type="button" class="danger" disabled={user.id === props.me.id} onClick={() => setDeleting(user)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
          Previous
        </button>
        <span>{total} users</span>
        <button type="button" disabled={offset + 50 >= total} onClick={() => setOffset(offset + 50)}>
          Next
        </button>
      </nav>
      {deleting && (
        <ConfirmDeleteDialog
          title="Delete user?"
          remove={() => api.deleteUser(deleting.id)}
          onClose={() => setDeleting(undefined)}
          onDeleted={refresh}
        >
          <strong>{deleting.username}</strong> and their sessions and tokens will be deleted.
        </ConfirmDeleteDialog>
      )}
      {quota && <QuotaDialog user={quota} onClose={() => setQuota(undefined)} onDone={refresh} />}
    </section>
  );
}

function QuotaDialog(props: { user: UserItem; onClose: () => void; onDone: () => void }) {
  const [bytes, setBytes] = useState(props.user.quotaBytes?.toString() ?? '');
  const [files, setFiles] = useState(props.user.quotaFiles?.toString() ?? '');
  const [error, setError] = useState<string>();
  const save = async (event: Event) => {
    event.preventDefault();
    const quotaBytes = parseQuota(bytes);
    const quotaFiles = parseQuota(files);
    if (quotaBytes === undefined || quotaFiles === undefined) return setError('A quota is a whole number, or empty for the default.');
    try {
      await api.setQuota(props.user.id, { quotaBytes, quotaFiles });
      props.onDone();
      props.onClose();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Dialog title={`Quota of ${props.user.username}`} onClose={props.onClose}>
      <form onSubmit={(event) => void save(event)}>
        <label>
          Bytes (empty: the default)
          <input inputMode="numeric" value={bytes} onInput={(e) => setBytes(e.currentTarget.value)} />
        </label>
        <label>
          Files (empty: the default)
          <input inputMode="numeric" value={files} onInput={(e) => setFiles(e.currentTarget.value)} />
        </label>
        <ErrorText message={error} />
        <div class="buttons">
          <button type="button" data-close onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit">Save</button>
        </div>
      </form>
    </Dialog>
  );
}
