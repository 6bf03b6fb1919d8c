// What went over the wire, in order, for QA to assert on. Entries are redacted when recorded (by
// header and field name) and again when read (by value), so no credential can be read back.
import type { Redactor } from '../../src/upstreams/redact.ts';
import { scrubSecrets } from './scrub.ts';
import type { UpstreamName } from './upstreams.ts';

export interface FiredFault {
  id: string;
  kind: string;
  status?: number;
  /** Set for a fault that struck after the handler ran (`after: 'commit'`). */
  after?: 'commit';
  /** What the handler answered before such a fault took that answer away. */
  handlerStatus?: number;
}

export interface InboundEntry {
  seq: number;
  at: string;
  direction: 'inbound';
  upstream: UpstreamName;
  region?: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  status?: number;
  /**
   * Set when the request ended without an HTTP answer: the socket was reset, the fake hung until
   * the client left, or (`client_gone`) the answer was ready only after the client had left; then
   * `status` is what the fake would have answered, and what it created stays created.
   */
  outcome?: 'reset' | 'hang' | 'client_gone';
  durationMs?: number;
  fault?: FiredFault;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
}

export type OutboundKind =
  | 'sendzen_signup_webhook'
  | 'provisioning_callback'
  | 'conversation_callback';

export interface OutboundEntry {
  seq: number;
  at: string;
  direction: 'outbound';
  upstream: UpstreamName;
  kind: OutboundKind;
  target: string;
  attempt: number;
  status?: number;
  error?: string;
  durationMs: number;
}

export type JournalEntry = InboundEntry | OutboundEntry;

type Unnumbered<T> = Omit<T, 'seq' | 'at' | 'direction'>;

/** A long-running sandbox must not grow without bound; the oldest entries go first. */
const MAX_ENTRIES = 10_000;

export class Journal {
  #entries: JournalEntry[] = [];
  #seq = 0;
  readonly #redactor: Redactor;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  #push<T extends JournalEntry>(entry: T): T {
    this.#entries.push(entry);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
    return entry;
  }

  /** Returns the live entry: the caller fills in status and duration when the answer is known. */
  inbound(entry: Unnumbered<InboundEntry>): InboundEntry {
    return this.#push({
      seq: ++this.#seq,
      at: new Date().toISOString(),
      direction: 'inbound',
      ...entry,
    });
  }

  outbound(entry: Unnumbered<OutboundEntry>): OutboundEntry {
    return this.#push({
      seq: ++this.#seq,
      at: new Date().toISOString(),
      direction: 'outbound',
      ...entry,
    });
  }

  list(upstream?: UpstreamName): JournalEntry[] {
    const chosen = upstream ? this.#entries.filter((e) => e.upstream === upstream) : this.#entries;
    return scrubSecrets(chosen, this.#redactor);
  }

  clear(): void {
    this.#entries = [];
    this.#seq = 0;
  }
}
