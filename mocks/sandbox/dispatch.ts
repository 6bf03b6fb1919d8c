// One request through the fake: find the upstream by path prefix, journal it, apply a scripted
// fault if one matches, else let the msw handlers answer (or answer 404 in that upstream's format).
// A fault strikes instead of the handler, or (`after: 'commit'`) on the answer of a handler that ran.
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
  /**
   * Call when the connection is finished with: answered, reset, hung up on, or answered after the
   * client had already left (`client_gone`: what a late commit looks like).
   */
  settle(outcome: 'answered' | 'reset' | 'hang' | 'client_gone'): void;
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

const malformed = (): Outcome => ({
  kind: 'response',
  response: new HttpResponse(MALFORMED_BODY, {
    status: 200,
    headers: { 'content-type': 'application/json' },
  }),
});

/** What a fault answers instead of the handler; undefined when the handler must still run. */
function insteadOfHandler(location: UpstreamLocation, fault: Fault): Outcome | undefined {
  if (fault.after === 'commit') return undefined;
  switch (fault.kind) {
    case 'status':
      return {
        kind: 'response',
        response: upstreamError(location.upstream, fault.status ?? 503, {
          retryAfter: fault.retryAfter,
        }),
      };
    case 'malformed':
      return malformed();
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
    case 'delay':
      return undefined;
  }
}

/** What reaches the client of a handler that ran and committed, under an `after: 'commit'` fault. */
async function afterCommit(sandbox: Sandbox, fault: Fault, handled: Outcome): Promise<Outcome> {
  switch (fault.kind) {
    case 'malformed':
      return malformed();
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
    case 'delay':
      // Cut short by a reset or close: the answer goes out at once (to nobody, on close).
      await sandbox.timers.sleep(fault.delayMs ?? 0);
      return handled;
    case 'status':
      // Refused by the fault schema; answered as if the fault were not there.
      return handled;
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
    if (fault) {
      entry.fault = {
        id: fault.id,
        kind: fault.kind,
        status: fault.status,
        ...(fault.after ? { after: fault.after } : {}),
      };
    }

    const handle = async (): Promise<Outcome> => {
      try {
        const response =
          (await answer(upstreamHandlers, request, url)) ??
          upstreamError(location.upstream, 404, {
            message: `No such resource: ${request.method} ${location.path}.`,
          });
        // HttpResponse.error() means "the network failed": the client must see the socket drop.
        return response.type === 'error' ? { kind: 'reset' } : { kind: 'response', response };
      } catch (error) {
        return failed(location, error);
      }
    };

    let outcome = fault ? insteadOfHandler(location, fault) : undefined;
    if (!outcome) {
      const delayFirst = fault?.kind === 'delay' && fault.after !== 'commit';
      // The handler runs when the delay ends even if the client gave up meanwhile: a create that
      // commits after its caller timed out is exactly what the gateway must survive. Only a reset
      // or close of the sandbox during the wait drops it, so it cannot leak into the next state.
      const stillWanted = delayFirst ? await sandbox.timers.sleep(fault.delayMs ?? 0) : true;
      if (!stillWanted) {
        outcome = { kind: 'reset' };
      } else if (fault?.after === 'commit') {
        const handled = await handle();
        if (entry.fault && handled.kind === 'response') {
          entry.fault.handlerStatus = handled.response.status;
        }
        outcome = await afterCommit(sandbox, fault, handled);
      } else {
        outcome = await handle();
      }
    }

    const final = outcome;
    return {
      outcome: final,
      fault,
      settle(how) {
        entry.durationMs = Math.round(performance.now() - started);
        if (how !== 'answered') entry.outcome = how;
        if ((how === 'answered' || how === 'client_gone') && final.kind === 'response') {
          entry.status = final.response.status;
        }
      },
    };
  };
}
