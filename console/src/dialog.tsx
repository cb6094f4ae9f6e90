import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A modal dialog: labelled by its title, focus moves into it on opening and back where it was on closing, Escape
 * closes it, Tab stays inside.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    box.current?.querySelector<HTMLElement>('input, select, button:not([data-close])')?.focus();
    return () => previous?.focus();
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      props.onClose();
      return;
    }
    if (event.key !== 'Tab' || !box.current) return;
    const focusable = [...box.current.querySelectorAll<HTMLElement>('input, select, button, a[href]')].filter(
      (el) => !el.hasAttribute('disabled'),
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };
  const titleId = `dialog-${props.title.replace(/\W+/g, '-')}`;
  return (
    <div class="backdrop" onClick={(event) => event.target === event.currentTarget && props.onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={box} onKeyDown={onKeyDown}>
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** An error from the API, announced to screen readers. */
export function ErrorText(props: { message?: string }) {
  return props.message ? (
    <p class="error" role="alert">
      {props.message}
    </p>
  ) : null;
}

/**
 * Runs an API call for a form or a button: the previous error is cleared first, and a failure becomes the message
 * shown by `ErrorText` instead of an unhandled rejection.
 */
export async function attempt(setError: (message: string | undefined) => void, action: () => Promise<void>): Promise<void> {
  setError(undefined);
  try {
    await action();
  } catch (e) {
    setError((e as Error).message);
  }
}

/** Asks before something is deleted; its confirm button is "Delete", and an API error keeps it open with the message. */
export function ConfirmDeleteDialog(props: {
  title: string;
  children: ComponentChildren;
  remove: () => Promise<void>;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const [error, setError] = useState<string>();
  const confirm = () =>
    attempt(setError, async () => {
      await props.remove();
      props.onDeleted();
      props.onClose();
    });
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.children}</p>
      <ErrorText message={error} />
      <div class="buttons">
        <button type="button" data-close onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={() => void confirm()}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}
