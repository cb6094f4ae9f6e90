import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignIn } from './app';
import { Dialog } from './dialog';
import { FilesPage } from './pages/files';

/** The network as the browser would answer it: a fake fetch, the console's own code runs for real. */
function answer(handler: (url: string, init?: RequestInit) => { status: number; body: unknown }) {
  const calls: { url: string; init?: RequestInit }[] = [];
  vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const { status, body } = handler(url, init);
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));
  });
  return calls;
}

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 200)));

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const byLabel = (text: string) =>
  [...root.querySelectorAll('label')]
    .find((l) => l.textContent?.trim().startsWith(text))!
    .querySelector('input, select') as HTMLInputElement;
const button = (text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent?.trim().startsWith(text))!;

describe('console components', () => {
  it('sign-in posts the credentials and shows the API’s error message', async () => {
    const calls = answer(() => ({ status: 401, body: { detail: 'Wrong username or password.' } }));
    const signedIn = vi.fn();
    render(<SignIn onSignedIn={signedIn} />, root);
    await act(() => {
      const username = byLabel('Username');
      username.value = 'alice';
      username.dispatchEvent(new Event('input', { bubbles: true }));
      const password = byLabel('Password');
      password.value = 'secret';
      password.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => {
      root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
    await settle();
    expect(calls[0].url).toBe('/api/auth/session');
    expect(JSON.parse(calls[0].init?.body as string)).toEqual({ username: 'alice', password: 'secret' });
    expect(root.querySelector('[role="alert"]')?.textContent).toBe('Wrong username or password.');
    expect(signedIn).not.toHaveBeenCalled();
  });

  it('the files table asks for the column clicked, marks it sorted, and flips it on a second click', async () => {
    const calls = answer(() => ({
      status: 200,
      body: {
        items: [{ id: 'f1', filename: 'a.txt', contentType: 'text/plain', size: 3, createdAt: new Date(0).toISOString(), owner: 'u1' }],
        total: 1,
        limit: 25,
        offset: 0,
      },
    }));
    render(<FilesPage me={{ id: 'u1', username: 'alice', roles: ['editor'], permissions: ['file:read', 'file:write'] }} />, root);
    await settle();
    expect(calls.at(-1)!.url).toContain('sort=createdAt%3A-1');
    expect(root.querySelectorAll('tbody tr')).toHaveLength(1);
    expect(root.querySelector('tbody tr td')?.textContent).toBe('a.txt');

    await act(() => button('Size').click());
    await settle();
    expect(calls.at(-1)!.url).toContain('sort=size%3A1');
    expect(button('Size').closest('th')?.getAttribute('aria-sort')).toBe('ascending');
    await act(() => button('Size').click());
    await settle();
    expect(calls.at(-1)!.url).toContain('sort=size%3A-1');
    expect(button('Size').closest('th')?.getAttribute('aria-sort')).toBe('descending');
  });

  it('a dialog takes the focus, closes on Escape and gives the focus back', async () => {
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    const onClose = vi.fn();
    await act(() =>
      render(
        <Dialog title="Delete file?" onClose={onClose}>
          <button type="button" data-close>
            Cancel
          </button>
          <button type="button">Delete</button>
        </Dialog>,
        root,
      ),
    );
    expect(root.querySelector('[role="dialog"]')?.getAttribute('aria-labelledby')).toBeTruthy();
    expect(document.activeElement?.textContent).toBe('Delete');
    await act(() => {
      root.querySelector('[role="dialog"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(onClose).toHaveBeenCalledTimes(1);
    await act(() => render(null, root));
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });
});
