// Sinch Conversation API: the app that carries a sender's WhatsApp credentials, and the app's
// webhooks. Regional: an app lives on the host of the region it was created in, and is 404 on the
// others, so every call names its region.
import { type AuthProvider, Transport, type TransportTuning } from '../http.ts';
import { redactor } from '../redact.ts';
import {
  type App,
  appListSchema,
  appSchema,
  type ConversationRegion,
  type ConversationWebhook,
  type CreateAppRequest,
  type CreateConversationWebhookRequest,
  conversationWebhookListSchema,
  conversationWebhookSchema,
  emptyBodySchema,
  type SendMessageRequest,
  type SendMessageResponse,
  sendMessageResponseSchema,
  type UpdateAppRequest,
} from './contract.ts';
import { parseRpcError } from './errors.ts';

export interface ConversationClientOptions extends TransportTuning {
  /**
   * Base URL with a `{region}` placeholder: `https://{region}.conversation.api.sinch.com`, or the
   * fake's `http://127.0.0.1:4010/sinch/conversation/{region}`.
   */
  baseUrlTemplate: string;
  auth: AuthProvider;
}

const project = (projectId: string) => `/v1/projects/${encodeURIComponent(projectId)}`;

export class SinchConversationClient {
  readonly #options: ConversationClientOptions;
  readonly #transports = new Map<ConversationRegion, Transport>();

  constructor(options: ConversationClientOptions) {
    if (!options.baseUrlTemplate.includes('{region}')) {
      throw new Error('Conversation API base URL must contain a {region} placeholder');
    }
    this.#options = options;
  }

  #transport(region: ConversationRegion): Transport {
    let transport = this.#transports.get(region);
    if (!transport) {
      transport = new Transport({
        ...this.#options,
        upstream: 'sinch-conversation',
        baseUrl: this.#options.baseUrlTemplate.replace('{region}', region),
        parseErrorBody: parseRpcError,
      });
      this.#transports.set(region, transport);
    }
    return transport;
  }

  createApp(region: ConversationRegion, projectId: string, input: CreateAppRequest): Promise<App> {
    for (const credential of input.channel_credentials) {
      if (credential.channel === 'WHATSAPP') redactor.remember(credential.static_bearer.token);
    }
    return this.#transport(region).call({
      operation: 'apps.create',
      method: 'POST',
      path: `${project(projectId)}/apps`,
      json: input,
      auth: this.#options.auth,
      response: appSchema,
      retry: 'create',
    });
  }

  /**
   * Replaces the app's credentials with `input.channel_credentials` (contracts E.2): pass every
   * sender the app keeps, not only the one joining. Sending the same list twice leaves the same
   * app, so it is retried like a read.
   */
  updateApp(
    region: ConversationRegion,
    projectId: string,
    appId: string,
    input: UpdateAppRequest,
  ): Promise<App> {
    for (const credential of input.channel_credentials) {
      if (credential.channel === 'WHATSAPP') redactor.remember(credential.static_bearer.token);
    }
    return this.#transport(region).call({
      operation: 'apps.update',
      method: 'PATCH',
      path: `${project(projectId)}/apps/${encodeURIComponent(appId)}`,
      json: input,
      auth: this.#options.auth,
      response: appSchema,
      retry: 'read',
    });
  }

  getApp(region: ConversationRegion, projectId: string, appId: string): Promise<App> {
    return this.#transport(region).call({
      operation: 'apps.get',
      method: 'GET',
      path: `${project(projectId)}/apps/${encodeURIComponent(appId)}`,
      auth: this.#options.auth,
      response: appSchema,
      retry: 'read',
    });
  }

  async listApps(region: ConversationRegion, projectId: string): Promise<App[]> {
    const body = await this.#transport(region).call({
      operation: 'apps.list',
      method: 'GET',
      path: `${project(projectId)}/apps`,
      auth: this.#options.auth,
      response: appListSchema,
      retry: 'read',
    });
    return body.apps;
  }

  async deleteApp(region: ConversationRegion, projectId: string, appId: string): Promise<void> {
    await this.#transport(region).call({
      operation: 'apps.delete',
      method: 'DELETE',
      path: `${project(projectId)}/apps/${encodeURIComponent(appId)}`,
      auth: this.#options.auth,
      response: emptyBodySchema,
      retry: 'read',
    });
  }

  createWebhook(
    region: ConversationRegion,
    projectId: string,
    input: CreateConversationWebhookRequest,
  ): Promise<ConversationWebhook> {
    redactor.remember(input.secret);
    return this.#transport(region).call({
      operation: 'webhooks.create',
      method: 'POST',
      path: `${project(projectId)}/webhooks`,
      json: input,
      auth: this.#options.auth,
      response: conversationWebhookSchema,
      retry: 'create',
    });
  }

  async listAppWebhooks(
    region: ConversationRegion,
    projectId: string,
    appId: string,
  ): Promise<ConversationWebhook[]> {
    const body = await this.#transport(region).call({
      operation: 'webhooks.list',
      method: 'GET',
      path: `${project(projectId)}/apps/${encodeURIComponent(appId)}/webhooks`,
      auth: this.#options.auth,
      response: conversationWebhookListSchema,
      retry: 'read',
    });
    return body.webhooks;
  }

  async deleteWebhook(
    region: ConversationRegion,
    projectId: string,
    webhookId: string,
  ): Promise<void> {
    await this.#transport(region).call({
      operation: 'webhooks.delete',
      method: 'DELETE',
      path: `${project(projectId)}/webhooks/${encodeURIComponent(webhookId)}`,
      auth: this.#options.auth,
      response: emptyBodySchema,
      retry: 'read',
    });
  }

  /**
   * Sends a message through the app's channels (contracts E.3a). Sinch has no idempotency key for
   * it: a repeat after the request may have reached Sinch could send the message twice, so it is
   * retried only as a create is (when it certainly did not arrive).
   */
  sendMessage(
    region: ConversationRegion,
    projectId: string,
    input: SendMessageRequest,
  ): Promise<SendMessageResponse> {
    return this.#transport(region).call({
      operation: 'messages.send',
      method: 'POST',
      path: `${project(projectId)}/messages:send`,
      json: input,
      auth: this.#options.auth,
      response: sendMessageResponseSchema,
      retry: 'create',
    });
  }
}
