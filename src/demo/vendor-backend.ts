// The demo's stand-in for the vendor's own backend receiving the gateway's signed events: the first
// time the page asks for them, it registers itself as an event endpoint for every onboarding
// (replacing the one an earlier run of the demo left, whose secret is gone with that process),
// keeps the secret it was shown once, verifies each POST's signature as the README's receiver
// does, and keeps the last few events for the page to show.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-messages.ts';
import { verifyEventSignature } from '../vendor-events/contract.ts';
import type { gatewayClient } from './gateway-client.ts';

export const VENDOR_EVENTS_PATH = '/demo/api/vendor-events';

/** What the page shows of one event the backend received. */
interface Received {
  at: number;
  eventId: string;
  type: string;
  clientIdentifier: string | null;
  message: string | null;
  verified: boolean;
  /** Why a POST was refused (its signature did not verify). */
  refused?: string;
}

const KEPT = 30;

const ENDPOINTS = /* GraphQL */ `query DemoEventEndpoints { eventEndpoints { id url disabledAt } }`;
const DELETE = /* GraphQL */ `mutation DemoDeleteEndpoint($id: ID!) {
  deleteEventEndpoint(id: $id) { __typename } }`;
const CREATE = /* GraphQL */ `mutation DemoCreateEndpoint($input: CreateEventEndpointInput!) {
  createEventEndpoint(input: $input) {
    __typename ... on Error { message }
    ... on CreateEventEndpointSuccess { created { secret } } } }`;

export function vendorBackend(gateway: ReturnType<typeof gatewayClient>, gatewayUrl: string) {
  const url = new URL(VENDOR_EVENTS_PATH, gatewayUrl).href;
  const received: Received[] = [];
  let secret: Promise<string> | undefined;

  async function register(): Promise<string> {
    const { eventEndpoints } = await gateway.gql<{
      eventEndpoints: { id: string; url: string; disabledAt: string | null }[];
    }>(ENDPOINTS);
    for (const old of eventEndpoints.filter((e) => e.url === url && e.disabledAt === null)) {
      await gateway.gql(DELETE, { id: old.id });
    }
    const { createEventEndpoint: made } = await gateway.gql<{
      createEventEndpoint: { __typename: string; message?: string; created?: { secret: string } };
    }>(CREATE, { input: { url, description: 'The partner-panel demo’s backend' } });
    if (!made.created) throw new Error(made.message ?? made.__typename);
    return made.created.secret;
  }

  /** Registered once, on first use; a failed registration is tried again next time. */
  function ensureRegistered(): Promise<string> {
    secret ??= register().catch((error: unknown) => {
      secret = undefined;
      throw error;
    });
    return secret;
  }

  function keep(entry: Received): void {
    received.unshift(entry);
    received.length = Math.min(received.length, KEPT);
  }

  return {
    /** GET: the events received so far, newest first (registering the endpoint the first time). */
    async list(res: ServerResponse): Promise<void> {
      try {
        await ensureRegistered();
      } catch (error) {
        sendJson(res, 502, {
          error: `Could not register the demo as an event endpoint: ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
      sendJson(res, 200, { endpoint: url, events: received });
    },

    /** POST from the gateway's dispatcher: verified against the raw body, or refused with 401. */
    async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const body = await readBody(req, 256 * 1024);
      const key = secret ? await secret.catch(() => undefined) : undefined;
      const header = req.headers['gateway-signature'];
      const check = key
        ? verifyEventSignature(Array.isArray(header) ? header[0] : header, body, key)
        : ({ ok: false, reason: 'not registered' } as const);
      let event: { id?: string; type?: string; clientIdentifier?: string; message?: string } = {};
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        // Shown as refused below, whatever it was.
      }
      keep({
        at: Date.now(),
        eventId: String(event.id ?? ''),
        type: String(event.type ?? 'unknown'),
        clientIdentifier: event.clientIdentifier ?? null,
        message: event.message ?? null,
        verified: check.ok,
        ...(check.ok ? {} : { refused: check.reason }),
      });
      res.statusCode = check.ok ? 204 : 401;
      res.end();
    },
  };
}
