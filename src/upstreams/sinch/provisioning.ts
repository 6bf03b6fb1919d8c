// Sinch Provisioning API: WhatsApp senders created from the customer's Embedded Signup result, and
// the provisioning webhooks that push sender state changes to the gateway. One global host.
import { type AuthProvider, Transport, type TransportTuning } from '../http.ts';
import { redactor } from '../redact.ts';
import {
  type CreateProvisioningWebhookRequest,
  type CreateSenderRequest,
  emptyBodySchema,
  type ProvisioningWebhook,
  type ProvisioningWebhookList,
  provisioningWebhookListSchema,
  provisioningWebhookSchema,
  type Sender,
  type SenderList,
  type SenderState,
  senderListSchema,
  senderSchema,
} from './contract.ts';
import { parsePapiError } from './errors.ts';

export interface ProvisioningClientOptions extends TransportTuning {
  /** `https://provisioning.api.sinch.com`, or the fake's `/sinch/provisioning` URL. */
  baseUrl: string;
  auth: AuthProvider;
}

export interface ListSendersOptions {
  pageSize?: number;
  pageToken?: string;
  states?: readonly SenderState[];
}

export interface ListPageOptions {
  pageSize?: number;
  pageToken?: string;
}

const project = (projectId: string) => `/v1/projects/${encodeURIComponent(projectId)}`;

export class SinchProvisioningClient {
  readonly #transport: Transport;
  readonly #auth: AuthProvider;

  constructor(options: ProvisioningClientOptions) {
    this.#auth = options.auth;
    this.#transport = new Transport({
      ...options,
      upstream: 'sinch-provisioning',
      parseErrorBody: parsePapiError,
    });
  }

  /**
   * Creates a sender with the Embedded Signup body. A repeat for the same phone number is refused
   * with 409 `used_phone_number_id`, but the policy stays `create` so a lost answer surfaces as
   * `outcomeUnknown` and the caller adopts the existing sender rather than reading a conflict.
   */
  async createSender(projectId: string, input: CreateSenderRequest): Promise<Sender> {
    return this.#remember(
      await this.#transport.call({
        operation: 'senders.create',
        method: 'POST',
        path: `${project(projectId)}/whatsapp/senders`,
        json: input,
        auth: this.#auth,
        response: senderSchema,
        retry: 'create',
      }),
    );
  }

  async getSender(projectId: string, senderId: string): Promise<Sender> {
    return this.#remember(
      await this.#transport.call({
        operation: 'senders.get',
        method: 'GET',
        path: `${project(projectId)}/whatsapp/senders/${encodeURIComponent(senderId)}`,
        auth: this.#auth,
        response: senderSchema,
        retry: 'read',
      }),
    );
  }

  async listSenders(projectId: string, options: ListSendersOptions = {}): Promise<SenderList> {
    const list = await this.#transport.call({
      operation: 'senders.list',
      method: 'GET',
      path: `${project(projectId)}/whatsapp/senders`,
      query: {
        pageSize: options.pageSize,
        pageToken: options.pageToken,
        filterStates: options.states,
      },
      auth: this.#auth,
      response: senderListSchema,
      retry: 'read',
    });
    for (const sender of list.senders) this.#remember(sender);
    return list;
  }

  /** Every sender of the project, page by page: how a create with an unknown outcome finds its own. */
  async *listAllSenders(
    projectId: string,
    options: Omit<ListSendersOptions, 'pageToken'> = {},
  ): AsyncGenerator<Sender> {
    let pageToken: string | undefined;
    do {
      const page = await this.listSenders(projectId, { ...options, pageToken });
      yield* page.senders;
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
  }

  /** Deleting twice is refused (409 `sender_already_deleted`), so a repeat is harmless. */
  async deleteSender(projectId: string, senderId: string): Promise<void> {
    await this.#transport.call({
      operation: 'senders.delete',
      method: 'DELETE',
      path: `${project(projectId)}/whatsapp/senders/${encodeURIComponent(senderId)}`,
      auth: this.#auth,
      response: emptyBodySchema,
      retry: 'read',
    });
  }

  /** A repeat is refused with 409 `webhook_exists` (targets are unique per project). */
  createWebhook(
    projectId: string,
    input: CreateProvisioningWebhookRequest,
  ): Promise<ProvisioningWebhook> {
    redactor.remember(input.secret);
    return this.#transport.call({
      operation: 'webhooks.create',
      method: 'POST',
      path: `${project(projectId)}/webhooks`,
      json: input,
      auth: this.#auth,
      response: provisioningWebhookSchema,
      retry: 'create',
    });
  }

  listWebhooks(projectId: string, options: ListPageOptions = {}): Promise<ProvisioningWebhookList> {
    return this.#transport.call({
      operation: 'webhooks.list',
      method: 'GET',
      path: `${project(projectId)}/webhooks`,
      query: { pageSize: options.pageSize, pageToken: options.pageToken },
      auth: this.#auth,
      response: provisioningWebhookListSchema,
      retry: 'read',
    });
  }

  /** Every provisioning webhook of the project (at most 15), page by page. */
  async *listAllWebhooks(
    projectId: string,
    options: Omit<ListPageOptions, 'pageToken'> = {},
  ): AsyncGenerator<ProvisioningWebhook> {
    let pageToken: string | undefined;
    do {
      const page = await this.listWebhooks(projectId, { ...options, pageToken });
      yield* page.webhooks;
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
  }

  async deleteWebhook(projectId: string, webhookId: string): Promise<void> {
    await this.#transport.call({
      operation: 'webhooks.delete',
      method: 'DELETE',
      path: `${project(projectId)}/webhooks/${encodeURIComponent(webhookId)}`,
      auth: this.#auth,
      response: emptyBodySchema,
      retry: 'read',
    });
  }

  /** A sender's bearer token is a credential: keep it out of every error and log line. */
  #remember(sender: Sender): Sender {
    redactor.remember(sender.bearerToken);
    return sender;
  }
}
