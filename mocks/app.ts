// The fake itself: the sandbox's state, every upstream's msw handlers and the controls, answering
// node:http requests. `serve.ts` binds the port and loads this on the first request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createServerAdapter } from '@whatwg-node/server';
import { getResponse } from 'msw';
import { createConversationHandlers } from './handlers/conversation.ts';
import { createConversationWebhookHandlers } from './handlers/conversation-webhooks.ts';
import { createMessageHandlers } from './handlers/messages.ts';
import { createMetaStandInHandlers } from './handlers/meta-standin.ts';
import { createProvisioningHandlers } from './handlers/provisioning.ts';
import { createProvisioningWebhookHandlers } from './handlers/provisioning-webhooks.ts';
import { createSendzenHandlers } from './handlers/sendzen.ts';
import { createSendzenIframeHandlers } from './handlers/sendzen-iframe.ts';
import { createSinchAuthHandlers } from './handlers/sinch-auth.ts';
import { createSubprojectsHandlers } from './handlers/subprojects.ts';
import type { FakeUpstreamsOptions, SandboxConfig } from './sandbox/config.ts';
import { createControlHandlers } from './sandbox/controls.ts';
import { createDispatcher } from './sandbox/dispatch.ts';
import { createSandbox } from './sandbox/sandbox.ts';
import { SandboxStateFile } from './sandbox/state-file.ts';
import type { SandboxUrls } from './sandbox/upstreams.ts';

export interface FakeApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * The Meta stand-in's own port: its SDK and signup window only. Not an upstream the gateway
   * calls, so neither journaled nor open to scripted faults.
   */
  handleMeta(req: IncomingMessage, res: ServerResponse): void;
  /** Stops timers and pending deliveries; hung requests are let go. */
  stop(): void;
}

type NodeContext = { req: IncomingMessage; res: ServerResponse };

/** Resolves when the client goes away or the server starts closing, whichever comes first. */
function untilGone(socket: Socket, closing: AbortSignal): Promise<void> {
  if (socket.destroyed || closing.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('close', done);
      closing.removeEventListener('abort', done);
      resolve();
    };
    socket.once('close', done);
    closing.addEventListener('abort', done, { once: true });
  });
}

export async function createFakeApp(
  options: FakeUpstreamsOptions,
  config: SandboxConfig,
  urls: SandboxUrls,
): Promise<FakeApp> {
  const log = options.log ?? true;
  const sandbox = createSandbox({ seed: options.seed, config });
  sandbox.urls = urls;
  const stateFile = options.stateFile
    ? await SandboxStateFile.open(sandbox, options.stateFile)
    : undefined;
  const dispatch = createDispatcher(
    sandbox,
    [
      ...createSendzenHandlers(sandbox),
      ...createSendzenIframeHandlers(sandbox),
      ...createSinchAuthHandlers(sandbox),
      ...createSubprojectsHandlers(sandbox),
      ...createProvisioningHandlers(sandbox),
      ...createProvisioningWebhookHandlers(sandbox),
      ...createConversationHandlers(sandbox),
      ...createConversationWebhookHandlers(sandbox),
      ...createMessageHandlers(sandbox),
    ],
    createControlHandlers(sandbox),
  );
  const closing = new AbortController();

  const adapter = createServerAdapter<NodeContext>(
    async (request, { req }) => {
      const started = performance.now();
      const { outcome, fault, settle } = await dispatch(request);
      const report = (result: string | number) => {
        if (!log) return;
        const { pathname } = new URL(request.url);
        const faulted = fault ? ` [fault ${fault.kind}]` : '';
        const ms = Math.round(performance.now() - started);
        console.log(`${request.method} ${pathname} -> ${result}${faulted} ${ms}ms`);
      };
      if (outcome.kind === 'response') {
        const gone = req.socket.destroyed;
        settle(gone ? 'client_gone' : 'answered');
        report(gone ? `${outcome.response.status} (client gone)` : outcome.response.status);
        return outcome.response;
      }
      if (outcome.kind === 'hang') await untilGone(req.socket, closing.signal);
      req.socket.destroy();
      settle(outcome.kind);
      report(outcome.kind);
      // Nobody receives this: the socket is already gone.
      return new Response(null, { status: 500 });
    },
    { fetchAPI: { Request, Response, Headers, ReadableStream, URL, fetch } },
  );

  const metaHandlers = createMetaStandInHandlers(sandbox);
  const metaAdapter = createServerAdapter<NodeContext>(
    async (request) => {
      const started = performance.now();
      let response: Response;
      try {
        response =
          (await getResponse(metaHandlers, request, { baseUrl: new URL(request.url).origin })) ??
          new Response("Not found: this port serves the sandbox stand-in for Meta's SDK only.", {
            status: 404,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          });
      } catch (error) {
        console.error('fake upstreams: the Meta stand-in failed', error);
        response = new Response('The Meta stand-in failed to handle the request.', { status: 500 });
      }
      if (log) {
        const { pathname } = new URL(request.url);
        const ms = Math.round(performance.now() - started);
        console.log(`[meta] ${request.method} ${pathname} -> ${response.status} ${ms}ms`);
      }
      return response;
    },
    { fetchAPI: { Request, Response, Headers, ReadableStream, URL, fetch } },
  );

  return {
    handle: adapter,
    handleMeta: metaAdapter,
    stop() {
      // Saved first: stopping forgets the timers still pending, which a restart must re-arm.
      stateFile?.close();
      closing.abort();
      sandbox.stop();
    },
  };
}
