/** The console pages' common pieces: page head, error and status lines, tables, filter forms, select fields. */
import { useId } from 'react';
import type { FormEvent, InputHTMLAttributes, ReactNode, RefObject } from 'react';
import { useI18n } from '../context';
import type { Pages } from './usePages';

/** The page's title, and its tools (a refresh button, a window, when it was updated) beside it. */
export function PageHead({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      <div className="page-tools">{children}</div>
    </div>
  );
}

export function RefreshButton({ onRefresh }: { onRefresh: () => Promise<void> }) {
  const { t } = useI18n();
  return (
    <button type="button" className="btn btn-outline-primary" onClick={() => void onRefresh()}>
      {t('refresh')}
    </button>
  );
}

/** The page's error, announced when it appears; nothing without one. */
export function ErrorCallout({ error }: { error: string | null }) {
  if (error === null) return null;
  return (
    <p role="alert" className="callout callout-danger">
      {error}
    </p>
  );
}

/** What the last action did, for screen readers only. */
export function LiveStatus({ message }: { message: string | null }) {
  return (
    <p role="status" className="visually-hidden">
      {message}
    </p>
  );
}

/** A table with a hidden caption and one header cell a column; the rows are the children. */
export function DataTable({
  caption,
  columns,
  bodyRef,
  children,
}: {
  caption: string;
  columns: string[];
  bodyRef?: RefObject<HTMLTableSectionElement | null>;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={bodyRef}>{children}</tbody>
      </table>
    </div>
  );
}

/** A form field: its label, and the control (given the id the label points at). */
export function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/** A labelled input in a form field; every other prop goes to the input. */
export function InputField({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return <Field label={label}>{(id) => <input id={id} {...input} />}</Field>;
}

/** A labelled select in a form field; `any` is the label of an empty first option, when there is one. */
export function SelectField({
  label,
  value,
  onChange,
  options,
  any,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: ReadonlyArray<{ value: string; label: string }>;
  any?: string;
}) {
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {any !== undefined && <option value="">{any}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A filters form: its fields, then the apply button; submitting applies the draft. */
export function FilterForm({
  label,
  submitLabel,
  onApply,
  children,
}: {
  label: string;
  submitLabel: string;
  onApply: () => void;
  children: ReactNode;
}) {
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply();
  }
  return (
    <form className="filters" onSubmit={submit} aria-label={label}>
      {children}
      <div className="filters-submit">
        <button type="submit" className="btn btn-primary">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/**
 * A paged list as a table: the error, "loading", the empty line, or the count
 * line, the rows and the "show more" button.
 */
export function PagedTable<T>({
  pages,
  caption,
  columns,
  empty,
  count,
  moreLabel,
  children,
}: {
  pages: Pages<T>;
  caption: string;
  columns: string[];
  empty: string;
  count: (items: T[]) => string;
  moreLabel: string;
  children: (item: T) => ReactNode;
}) {
  const { t } = useI18n();
  const { items, next, loadingMore, error } = pages;
  return (
    <>
      <ErrorCallout error={error} />
      {items === null ? (
        <p>{t('loading')}</p>
      ) : items.length === 0 ? (
        <p role="status">{empty}</p>
      ) : (
        <div>
          <p role="status" className="muted">
            {count(items)}
          </p>
          <DataTable caption={caption} columns={columns} bodyRef={pages.tbody}>
            {items.map(children)}
          </DataTable>
          {next !== null && (
            <p className="more">
              <button
                type="button"
                className="btn btn-outline-primary"
                aria-disabled={loadingMore}
                onClick={() => void pages.more()}
              >
                {loadingMore ? t('loading') : moreLabel}
              </button>
            </p>
          )}
        </div>
      )}
    </>
  );
}

/** A button that shows `busyLabel` (and is disabled) while its action runs. */
export function BusyButton({
  busy,
  label,
  busyLabel,
  disabled = false,
  type = 'button',
  className,
  onClick,
}: {
  busy: boolean;
  label: string;
  busyLabel: string;
  disabled?: boolean;
  type?: 'button' | 'submit';
  className: string;
  onClick?: () => void;
}) {
  return (
    <button type={type} className={className} disabled={busy || disabled} onClick={onClick}>
      {busy ? busyLabel : label}
    </button>
  );
}

/** A row's action: the verb it shows, and an accessible name that says which row it acts on. */
export function RowAction({
  label,
  name,
  className,
  disabled = false,
  onClick,
}: {
  label: string;
  name: string;
  className: string;
  disabled?: boolean;
  onClick: () => void;
}) {
  return (
    <button type="button" className={className} disabled={disabled} aria-label={name} onClick={onClick}>
      {label}
    </button>
  );
}
