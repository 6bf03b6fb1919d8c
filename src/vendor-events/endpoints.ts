// The vendor's event endpoints, as GraphQL manages them: where the signed event POSTs go, for every
// onboarding or for one, each with a signing secret that is shown once, at creation, and then
// only as a preview. Deliveries can be read with their attempts, and replayed.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EventDeliveryAttemptRow, EventDeliveryRow, EventEndpointRow } from '../db/schema.ts';
import type {
  EventEndpointStore,
  ListEventDeliveriesQuery,
  OnboardingStore,
  Page,
} from '../db/store.ts';
import { ulid } from '../ids.ts';
import { InvalidInputError, OnboardingNotFoundError } from '../onboarding/errors.ts';
import { last4, type Sealer } from '../secrets/seal.ts';

export const MAX_ENDPOINT_URL_LENGTH = 2048;

const SEAL_KIND = 'signing_secret';

/** Why `url` cannot be an event endpoint in this mode, or undefined when it can. */
export function endpointUrlProblem(url: string, mode: 'sandbox' | 'live'): string | undefined {
  if (url.length > MAX_ENDPOINT_URL_LENGTH) {
    return `must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`;
  }
  if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
    return 'must be an absolute http or https URL';
  }
  // Events carry the customer's state and a signature an eavesdropper could replay within the
  // tolerance: live mode sends them over TLS only.
  if (mode === 'live' && new URL(url).protocol !== 'https:')
    return 'must be an https URL in live mode';
  return undefined;
}

export function openEndpointSecret(sealer: Sealer, endpointId: string, sealed: string): string {
  return sealer.open(sealed, { table: 'event_endpoints', rowId: endpointId, kind: SEAL_KIND });
}

export class EventEndpointNotFoundError extends Error {
  override readonly name = 'EventEndpointNotFoundError';
  constructor(readonly endpointId: string) {
    super('No event endpoint with this id');
  }
}

export class EventDeliveryNotFoundError extends Error {
  override readonly name = 'EventDeliveryNotFoundError';
  constructor(readonly deliveryId: string) {
    super('No event delivery with this id, or its endpoint is deleted');
  }
}

/** A delivery with its attempts, oldest first. */
export interface EventDeliveryView {
  delivery: EventDeliveryRow;
  attempts: EventDeliveryAttemptRow[];
}

export class EventEndpoints {
  readonly #store: EventEndpointStore;
  readonly #onboardings: OnboardingStore;
  readonly #sealer: Sealer;
  readonly #now: () => number;
  readonly #mode: 'sandbox' | 'live';

  constructor(deps: {
    store: EventEndpointStore;
    onboardings: OnboardingStore;
    sealer: Sealer;
    now: () => number;
    mode: 'sandbox' | 'live';
  }) {
    this.#store = deps.store;
    this.#onboardings = deps.onboardings;
    this.#sealer = deps.sealer;
    this.#now = deps.now;
    this.#mode = deps.mode;
  }

  /** The endpoint and its signing secret, the one time the secret is in clear. */
  async create(input: {
    url: string;
    onboardingId?: string;
    description?: string;
  }): Promise<{ endpoint: EventEndpointRow; secret: string }> {
    const problem = endpointUrlProblem(input.url, this.#mode);
    if (problem) throw new InvalidInputError('url', `url ${problem}`);
    if (input.onboardingId !== undefined && !(await this.#onboardings.get(input.onboardingId))) {
      throw new OnboardingNotFoundError(input.onboardingId);
    }
    const id = ulid(this.#now());
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const endpoint: EventEndpointRow = {
      id,
      url: input.url,
      onboardingId: input.onboardingId ?? null,
      description: input.description ?? null,
      secretSealed: this.#sealer.seal(secret, {
        table: 'event_endpoints',
        rowId: id,
        kind: SEAL_KIND,
      }),
      secretLast4: last4(secret),
      createdAt: this.#now(),
      disabledAt: null,
    };
    await this.#store.createEndpoint(endpoint);
    return { endpoint, secret };
  }

  list(): Promise<EventEndpointRow[]> {
    return this.#store.endpoints();
  }

  /** Disables the endpoint: nothing more is stored for it, and its pending deliveries fail. */
  async delete(id: string): Promise<EventEndpointRow> {
    const endpoint = await this.#store.disableEndpoint(id, this.#now());
    if (!endpoint) throw new EventEndpointNotFoundError(id);
    return endpoint;
  }

  async deliveries(query: ListEventDeliveriesQuery): Promise<Page<EventDeliveryView>> {
    const page = await this.#store.deliveries(query);
    const attempts = await this.#store.attempts(page.rows.map((d) => d.id));
    return {
      rows: page.rows.map((delivery) => ({
        delivery,
        attempts: attempts.filter((a) => a.deliveryId === delivery.id),
      })),
      hasNextPage: page.hasNextPage,
    };
  }

  /**
   * Sends the delivery again: the same event, body and endpoint, due now with a fresh retry
   * budget. The same row is reset rather than copied, so a delivery stays one per event and
   * endpoint, and its earlier attempts stay listed beside the new ones.
   */
  async replay(id: string): Promise<EventDeliveryView> {
    const delivery = await this.#store.replay(id, this.#now());
    if (!delivery) throw new EventDeliveryNotFoundError(id);
    return { delivery, attempts: await this.#store.attempts([id]) };
  }
}
