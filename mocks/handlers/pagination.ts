// Page tokens are opaque to clients. Each carries the list it belongs to, so a token from one
// project's list (or with other filters) is refused rather than silently misapplied.

export function encodePageToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

export function decodePageToken(token: string, scope: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { o, s } = parsed as { o?: unknown; s?: unknown };
    return s === scope && Number.isInteger(o) && (o as number) >= 0 ? (o as number) : undefined;
  } catch {
    return undefined;
  }
}

/** undefined when the value is present but not an integer within bounds. */
export function parsePageSize(
  raw: string | null,
  bounds: { min: number; max: number; fallback: number },
): number | undefined {
  if (raw === null || raw === '') return bounds.fallback;
  const size = Number(raw);
  return Number.isInteger(size) && size >= bounds.min && size <= bounds.max ? size : undefined;
}

export interface Page<T> {
  items: T[];
  nextOffset?: number;
}

export function paginate<T>(all: T[], offset: number, size: number): Page<T> {
  const items = all.slice(offset, offset + size);
  const next = offset + size;
  return next < all.length ? { items, nextOffset: next } : { items };
}

/**
 * A Provisioning API list page: `{totalSize, pageSize, previousPageToken?, nextPageToken?}` plus
 * the page's items, which the caller names (`senders`, `webhooks`).
 */
export function papiPage<T>(all: T[], offset: number, pageSize: number, scope: string) {
  const page = paginate(all, offset, pageSize);
  return {
    totalSize: all.length,
    pageSize,
    ...(offset > 0
      ? { previousPageToken: encodePageToken(Math.max(0, offset - pageSize), scope) }
      : {}),
    ...(page.nextOffset === undefined
      ? {}
      : { nextPageToken: encodePageToken(page.nextOffset, scope) }),
    items: page.items,
  };
}
