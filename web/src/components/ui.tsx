// The app's building blocks: page header, loading / empty / error states, dialogs and form fields.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Loaded } from '../lib/hooks.ts';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';

export function Page({
  title,
  back,
  actions,
  children,
  wide,
}: {
  title: string;
  back?: string | true;
  actions?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  const navigate = useNavigate();
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · Keyholder`;
  }, [title]);
  return (
    <section className={wide ? 'page page-wide' : 'page'} aria-labelledby="page-title">
      <header className="page-header">
        {back === true ? (
          <button type="button" className="back" onClick={() => navigate(-1)} aria-label={t('common.back')}>
            ‹
          </button>
        ) : back ? (
          <Link className="back" to={back} aria-label={t('common.back')}>
            ‹
          </Link>
        ) : null}
        <h1 id="page-title">{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading({ what = i18next.t('common.loading') }: { what?: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function ErrorBox({ message, onRetry }: { message: string | null | undefined; onRetry?: () => void }) {
  if (!message) return null;
  return (
    <div className="state error" role="alert">
      <span>{message}</span>
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          {i18next.t('common.tryAgain')}
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'success' ? 'status' : undefined}>
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** Shows loading, the error (with retry), the empty state, or the content. */
export function Async<T>({
  state,
  empty,
  isEmpty,
  children,
  what,
}: {
  state: Loaded<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
  what?: string;
}) {
  if (state.loading && state.data === undefined) return <Loading what={what} />;
  if (state.error) return <ErrorBox message={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return null;
  const blank = isEmpty ? isEmpty(state.data) : Array.isArray(state.data) && state.data.length === 0;
  if (blank && empty) return <Empty>{empty}</Empty>;
  return <>{children(state.data)}</>;
}

/** A modal dialog on the native <dialog>: focus stays inside, Escape closes it. */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <h2 id={`${id}-title`}>{title}</h2>
          <div className="dialog-body">{children}</div>
          {footer ? <div className="dialog-footer">{footer}</div> : null}
        </>
      ) : null}
    </dialog>
  );
}

export function Confirm({
  open,
  title,
  message,
  confirmLabel = 'OK',
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="secondary" onClick={onCancel}>
            {i18next.t('common.cancel')}
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy}>
            {busy ? i18next.t('entrust.working') : confirmLabel}
          </button>
        </>
      }
    >
      {typeof message === 'string' ? <p>{message}</p> : <div>{message}</div>}
      <ErrorBox message={error} />
    </Dialog>
  );
}

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(error ? { 'aria-invalid': true as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

export function StatusDot({ online }: { online: boolean }) {
  return (
    <span className={online ? 'status online' : 'status offline'}>
      <span className="dot" aria-hidden="true" />
      {online ? i18next.t('common.online') : i18next.t('common.offline')}
    </span>
  );
}

export function Chips({ items }: { items: string[] }) {
  return (
    <ul className="chips" aria-label={i18next.t('share.permissions')}>
      {items.map((i) => (
        <li key={i}>{i}</li>
      ))}
    </ul>
  );
}

/**
 * A part of a long phone screen that can be folded away: the heading is the tap target, the count says what is
 * inside while it is closed. Closed parts keep the primary actions within reach.
 */
export function Section({
  title,
  count,
  open = false,
  children,
}: {
  title: string;
  count?: number;
  open?: boolean;
  children: ReactNode;
}) {
  return (
    <details className="section" open={open}>
      <summary>
        <h2>{title}</h2>
        {count !== undefined ? <span className="muted small">{count}</span> : null}
      </summary>
      {children}
    </details>
  );
}
