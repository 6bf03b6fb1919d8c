// One request through the fake: find the upstream by path prefix, journal it, apply a scripted
// fault if one matches, else let the msw handlers answer (or answer 404 in that upstream's format).
import { getResponse, type HttpHandler, HttpResponse } from 'msw';
import { redactFields, redactHeaders } from '../../src/upstreams/redact.ts';
import { upstreamError } from '../handlers/error-bodies.ts';
import type { Fault } from './faults.ts';
import type { InboundEntry } from './journal.ts';
import type { Sandbox } from './sandbox.ts';
import {
  isSandboxPath,
  locateUpstream,
  SANDBOX_PREFIX,
  type UpstreamLocation,
} from './upstreams.ts';

/** What the server must do with the connection. */
export type Outcome =
  | { kind: 'response'; response: Response }
  /** Destroy the socket: the client sees a connection reset. */
  | { kind: 'reset' }
  /** Never answer: the client waits until it gives up or the server closes. */
  | { kind: 'hang' };

export interface Dispatched {
  outcome: Outcome;
  fault?: Fault;
  /** Call when the connection is finished with (answered, reset, or the client left). */
  settle(outcome: 'answered' | 'reset' | 'hang'): void;
}

/** Truncated JSON, served with a JSON content type: what a proxy cutting a response short leaves. */
const MALFORMED_BODY = '{"truncated": tr';
const MAX_JOURNALED_TEXT = 2048;

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  return redactFields(query) as Record<string, string | string[]>;
}

async function bodyOf(request: Request): Promise<unknown> {
  const text = await request.clone().text();
  if (text === '') return undefined;
  if ((request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    return redactFields(Object.fromEntries(new URLSearchParams(text)));
  }
  try {
    return redactFields(JSON.parse(text));
  } catch {
    return text.length > MAX_JOURNALED_TEXT ? `${text.slice(0, MAX_JOURNALED_TEXT)}...` : text;
  }
}

function faultResponse(location: UpstreamLocation, fault: Fault): Outcome | undefined {
  switch (fault.kind) {
    case 'status':
      return {
        kind: 'response',
        response: upstreamError(location.upstream, fault.status ?? 503, {
          retryAfter: fault.retryAfter,
        }),
      };
    case 'malformed':
      return {
        kind: 'response',
        response: new HttpResponse(MALFORMED_BODY, {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      };
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
    case 'delay':
      return undefined;
  }
}

export function createDispatcher(
  sandbox: Sandbox,
  upstreamHandlers: HttpHandler[],
  controlHandlers: HttpHandler[],
) {
  async function answer(handlers: HttpHandler[], request: Request, url: URL) {
    return getResponse(handlers, request, { baseUrl: url.origin });
  }

  function failed(location: UpstreamLocation | undefined, error: unknown): Outcome {
    console.error('fake upstreams: a handler failed', error);
    const response = location
      ? upstreamError(location.upstream, 500, { message: 'The fake failed to handle the request.' })
      : HttpResponse.json({ error: 'internal_error', message: String(error) }, { status: 500 });
    return { kind: 'response', response };
  }

  return async function dispatch(request: Request): Promise<Dispatched> {
    const url = new URL(request.url);
    const settleNothing = () => {};

    if (isSandboxPath(url.pathname)) {
      try {
        const response =
          (await answer(controlHandlers, request, url)) ??
          HttpResponse.json(
            {
              error: 'not_found',
              message: `No sandbox control ${request.method} ${url.pathname}.`,
            },
            { status: 404 },
          );
        return { outcome: { kind: 'response', response }, settle: settleNothing };
      } catch (error) {
        return { outcome: failed(undefined, error), settle: settleNothing };
      }
    }

    const location = locateUpstream(url.pathname);
    if (!location) {
      const response = HttpResponse.json(
        {
          error: 'not_found',
          message: `No fake upstream serves ${url.pathname}; GET ${SANDBOX_PREFIX} lists them.`,
        },
        { status: 404 },
      );
      return { outcome: { kind: 'response', response }, settle: settleNothing };
    }

    const started = performance.now();
    const entry: InboundEntry = sandbox.journal.inbound({
      upstream: location.upstream,
      ...(location.upstream === 'conversation' ? { region: location.region } : {}),
      method: request.method,
      path: location.path,
      query: queryOf(url),
      requestHeaders: redactHeaders(request.headers),
      requestBody: await bodyOf(request),
    });

    const fault = sandbox.faults.take(location.upstream, request.method, location.path);
    if (fault) entry.fault = { id: fault.id, kind: fault.kind, status: fault.status };

    let outcome: Outcome | undefined = fault ? faultResponse(location, fault) : undefined;
    if (!outcome) {
      if (fault?.kind === 'delay') await sandbox.timers.sleep(fault.delayMs ?? 0);
      try {
        const response =
          (await answer(upstreamHandlers, request, url)) ??
          upstreamError(location.upstream, 404, {
            message: `No such resource: ${request.method} ${location.path}.`,
          });
        // HttpResponse.error() means "the network failed": the client must see the socket drop.
        outcome = response.type === 'error' ? { kind: 'reset' } : { kind: 'response', response };
      } catch (error) {
        outcome = failed(location, error);
      }
    }

    const final = outcome;
    return {
      outcome: final,
      fault,
      settle(how) {
        entry.durationMs = Math.round(performance.now() - started);
        if (how !== 'answered') entry.outcome = how;
        else if (final.kind === 'response') entry.status = final.response.status;
      },
    };
  };
}
