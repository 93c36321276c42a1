/** The console pages' loading: one resource, or a list a keyset page at a time; errors as one line of text. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import type { ApiResult } from '../api';
import { useI18n } from '../context';

type Failure = { status: number; code: string };

/** What a failed call does: a lost session goes back to sign-in, anything else becomes the page's error line. */
export function useFailure(onSessionLost: () => void, setError: (error: string) => void): (result: Failure) => void {
  const { t } = useI18n();
  return useCallback(
    (result: Failure) => {
      if (result.status === 401) onSessionLost();
      else setError(t('genericError', { code: result.code }));
    },
    [onSessionLost, setError, t],
  );
}

/**
 * One resource, loaded on mount and whenever `fetch` changes (keep it stable
 * with useCallback); `notFound` is the error line of a 404.
 */
export function useResource<V>(fetch: () => Promise<ApiResult<V>>, onSessionLost: () => void, notFound?: string) {
  const [value, setValue] = useState<V | null>(null);
  const [error, setError] = useState<string | null>(null);
  const failed = useFailure(onSessionLost, setError);

  const load = useCallback(async () => {
    const result = await fetch();
    if (result.ok) {
      setValue(result.value);
      setError(null);
    } else if (result.status === 404 && notFound !== undefined) setError(notFound);
    else failed(result);
  }, [fetch, failed, notFound]);

  useEffect(() => {
    void load();
  }, [load]);

  return { value, error, setError, load, failed };
}

/**
 * A list fetched a keyset page at a time: the first page on mount and on every
 * new `filter`, then `more()` appends the next page by its cursor and moves the
 * focus to the first new row (`focusTarget` names the element inside `tbody`),
 * so requests arriving meanwhile never shift what is shown.
 */
export function usePages<F, P extends { next: string | null }, T extends { id: string }>(options: {
  /** A stable function (module level, or useCallback). */
  fetch: (filter: F, after?: string) => Promise<ApiResult<P>>;
  /** The rows of a page (stable too). */
  items: (page: P) => T[];
  filter: F;
  /** The selector, inside the table body, of the element a new row's id focuses (stable too). */
  focusTarget: (id: string) => string;
  onSessionLost: () => void;
}) {
  const { fetch, items: itemsOf, filter, focusTarget, onSessionLost } = options;
  /** The last page fetched (its cursor and totals), and every row shown so far. */
  const [shown, setShown] = useState<{ page: P; items: T[] } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const failed = useFailure(onSessionLost, setError);
  /** After "show more", the first new row takes the focus. */
  const focusRow = useRef<string | null>(null);
  const tbody = useRef<HTMLTableSectionElement>(null);

  const load = useCallback(async () => {
    const result = await fetch(filter);
    if (result.ok) {
      setShown({ page: result.value, items: itemsOf(result.value) });
      setError(null);
    } else failed(result);
  }, [fetch, itemsOf, filter, failed]);

  useEffect(() => {
    void load();
  }, [load]);

  const next = shown?.page.next ?? null;

  async function more() {
    if (next === null || loadingMore) return;
    setLoadingMore(true);
    const result = await fetch(filter, next);
    setLoadingMore(false);
    if (result.ok) {
      const added = itemsOf(result.value);
      focusRow.current = added[0]?.id ?? null;
      setShown((before) => ({ page: result.value, items: [...(before?.items ?? []), ...added] }));
      setError(null);
    } else failed(result);
  }

  useEffect(() => {
    const id = focusRow.current;
    if (id === null) return;
    focusRow.current = null;
    tbody.current?.querySelector<HTMLElement>(focusTarget(id))?.focus();
  }, [shown, focusTarget]);

  return {
    /** The last page fetched, null before the first answer. */
    page: shown?.page ?? null,
    items: shown?.items ?? null,
    next,
    loadingMore,
    error,
    load,
    more,
    tbody,
  };
}

export type Pages<T> = {
  items: T[] | null;
  next: string | null;
  loadingMore: boolean;
  error: string | null;
  more: () => Promise<void>;
  tbody: RefObject<HTMLTableSectionElement | null>;
};
