import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, downloadUrl, FileItem, Grant, Me, Page } from '../api';
import { attempt, ConfirmDeleteDialog, Dialog, ErrorText } from '../dialog';
import { formatBytes, formatDate, grantTarget, listQuery, nextSort, pageLabel, SortField, SortState } from '../format';
import { startUpload, UploadState } from '../uploads';

const PAGE_SIZE = 25;

const COLUMNS: { field: SortField; label: string }[] = [
  { field: 'filename', label: 'Name' },
  { field: 'contentType', label: 'Type' },
  { field: 'size', label: 'Size' },
  { field: 'createdAt', label: 'Uploaded' },
  { field: 'owner', label: 'Owner' },
];

export function FilesPage(props: { me: Me }) {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortState>({ field: 'createdAt', direction: -1 });
  const [page, setPage] = useState(0);
  const [data, setData] = useState<Page<FileItem>>();
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  const [deleting, setDeleting] = useState<FileItem>();
  const [sharing, setSharing] = useState<FileItem>();
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  useEffect(() => {
    let current = true;
    // A short pause while typing, so that a search is one request, not one per key.
    const timer = setTimeout(() => {
      api.files(listQuery(search, sort, page, PAGE_SIZE)).then(
        (result) => current && (setData(result), setError(undefined)),
        (e: Error) => current && setError(e.message),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [search, sort, page, reload]);

  const onSearch = (value: string) => {
    setSearch(value);
    setPage(0);
  };
  const onSort = (field: SortField) => {
    setSort(nextSort(sort, field));
    setPage(0);
  };

  return (
    <section aria-labelledby="files-title">
      <h1 id="files-title">Files</h1>
      <Uploader onUploaded={refresh} />
      <div class="toolbar">
        <label class="search">
          Search files
          <input type="search" value={search} onInput={(e) => onSearch(e.currentTarget.value)} placeholder="Part of a name" />
        </label>
      </div>
      <ErrorText message={error} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Your files and files shared with you</caption>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th
                  key={column.field}
                  scope="col"
                  aria-sort={sort.field === column.field ? (sort.direction === 1 ? 'ascending' : 'descending') : undefined}
                >
                  <button type="button" class="sort" onClick={() => onSort(column.field)}>
                    {column.label}
                    <span aria-hidden="true">{sort.field === column.field ? (sort.direction === 1 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              ))}
              <th scope="col">Shared</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((file) => (
              <tr key={file.id}>
                <td data-label="Name" class="name">
                  {file.filename}
                </td>
                <td data-label="Type">{file.contentType}</td>
                <td data-label="Size">{formatBytes(file.size)}</td>
                <td data-label="Uploaded">{formatDate(file.createdAt)}</td>
                <td data-label="Owner" title={file.owner ?? ''}>
                  {file.owner === props.me.id ? 'you' : (file.owner?.slice(0, 8) ?? '—')}
                </td>
                <td data-label="Shared">{file.shared ? <span class="badge">shared with you</span> : ''}</td>
                <td class="actions">
                  <button type="button" onClick={() => download(file)}>
                    Download
                  </button>
                  <button type="button" onClick={() => setSharing(file)}>
                    Share
                  </button>
                  <button type="button" class="danger" onClick={() => setDeleting(file)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <p class="empty">{search ? 'No file name contains that.' : 'No files yet: upload some.'}</p>}
      </div>
      {data && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            {pageLabel(page, PAGE_SIZE, data.total)} ({data.total} files)
          </span>
          <button type="button" disabled={(page + 1) * PAGE_SIZE >= data.total} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
      {deleting && (
        <ConfirmDeleteDialog
          title="Delete file?"
          remove={() => api.deleteFile(deleting.id)}
          onClose={() => setDeleting(undefined)}
          onDeleted={refresh}
        >
          <strong>{deleting.filename}</strong> will be deleted for everyone it is shared with. This cannot be undone.
        </ConfirmDeleteDialog>
      )}
      {sharing && <ShareDialog file={sharing} onClose={() => setSharing(undefined)} />}
    </section>
  );
}

function download(file: FileItem): void {
  const link = document.createElement('a');
  link.href = downloadUrl(file.id);
  link.download = file.filename;
  document.body.append(link);
  link.click();
  link.remove();
}

function Uploader(props: { onUploaded: () => void }) {
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [dragging, setDragging] = useState(false);
  const counter = useRef(0);
  const cancels = useRef<(() => void)[]>([]);
  useEffect(() => () => cancels.current.forEach((cancel) => cancel()), []);

  const add = (files: FileList | null) => {
    for (const file of files ?? []) {
      const key = `u${++counter.current}`;
      const onChange = (state: UploadState) => setUploads((list) => list.map((u) => (u.key === key ? state : u)));
      setUploads((list) => [...list, { key, name: file.name, size: file.size, sent: 0, status: 'uploading' }]);
      cancels.current.push(startUpload(file, key, onChange, props.onUploaded));
    }
  };
  return (
    <div
      class={`dropzone${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        add(e.dataTransfer?.files ?? null);
      }}
    >
      <label class="upload">
        Upload files
        <input
          type="file"
          multiple
          onChange={(e) => {
            add(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </label>
      <span class="hint">or drop files here</span>
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((u) => {
            const percent = u.size === 0 ? 100 : Math.floor((u.sent / u.size) * 100);
            return (
              <li key={u.key} class={u.status}>
                <span class="upload-name">{u.name}</span>
                <progress
                  max={100}
                  value={percent}
                  aria-label={`Uploading ${u.name}`}
                  aria-valuetext={`${percent} %${u.status === 'waiting' ? ', waiting for the network' : ''}`}
                />
                <span class="upload-status" aria-live="polite">
                  {u.status === 'done' ? 'Done' : u.status === 'failed' ? 'Failed' : u.status === 'waiting' ? 'Paused' : `${percent} %`}
                </span>
                {u.error && (
                  <span class={u.status === 'failed' ? 'error' : 'hint'} role={u.status === 'failed' ? 'alert' : undefined}>
                    {u.error}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function ShareDialog(props: { file: FileItem; onClose: () => void }) {
  const [grants, setGrants] = useState<Grant[]>([]);
  const [target, setTarget] = useState('');
  const [permission, setPermission] = useState<'READ' | 'WRITE'>('READ');
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api.grants(props.file.id).then(
      (result) => setGrants(Array.isArray(result) ? result : result.items),
      (e: Error) => setError(e.message),
    );
  }, [props.file.id, reload]);

  const share = async (event: Event) => {
    event.preventDefault();
    await attempt(setError, async () => {
      await api.share(props.file.id, { ...grantTarget(target), permission });
      setTarget('');
      setReload((n) => n + 1);
    });
  };
  const revoke = async (grant: Grant) => {
    await attempt(setError, async () => {
      await api.revoke(props.file.id, grant.id);
      setReload((n) => n + 1);
    });
  };
  return (
    <Dialog title={`Share ${props.file.filename}`} onClose={props.onClose}>
      <form class="share" onSubmit={(event) => void share(event)}>
        <label>
          User or role
          <input required value={target} onInput={(e) => setTarget(e.currentTarget.value)} placeholder="alice, or viewer" />
        </label>
        <label>
          Permission
          <select value={permission} onChange={(e) => setPermission(e.currentTarget.value as 'READ' | 'WRITE')}>
            <option value="READ">READ (view, download)</option>
            <option value="WRITE">WRITE (also delete)</option>
          </select>
        </label>
        <button type="submit">Share</button>
      </form>
      <ErrorText message={error} />
      <h3>Shared with</h3>
      {grants.length === 0 ? (
        <p class="hint">Nobody yet.</p>
      ) : (
        <ul class="grants" aria-label="Grants">
          {grants.map((grant) => {
            const who = grant.username ?? `role ${grant.role}`;
            return (
              <li key={grant.id}>
                <span>
                  {who}: {grant.permission}
                </span>
                <button type="button" aria-label={`Revoke ${who}`} onClick={() => void revoke(grant)}>
                  Revoke
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div class="buttons">
        <button type="button" data-close onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
