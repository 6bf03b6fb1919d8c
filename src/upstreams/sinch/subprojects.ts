// Sinch Subprojects API: one subproject per customer under the partner's parent project.
import { type AuthProvider, Transport, type TransportTuning } from '../http.ts';
import {
  type CreateSubprojectRequest,
  emptyBodySchema,
  type Subproject,
  type SubprojectList,
  subprojectListSchema,
  subprojectSchema,
} from './contract.ts';
import { parseRpcError } from './errors.ts';

export interface SubprojectsClientOptions extends TransportTuning {
  /** `https://subproject.api.sinch.com`, or the fake's `/sinch/subprojects` URL. */
  baseUrl: string;
  parentProjectId: string;
  auth: AuthProvider;
}

export interface ListSubprojectsOptions {
  pageSize?: number;
  pageToken?: string;
  showDeleted?: boolean;
}

export class SinchSubprojectsClient {
  readonly #transport: Transport;
  readonly #auth: AuthProvider;
  readonly #parent: string;

  constructor(options: SubprojectsClientOptions) {
    this.#auth = options.auth;
    this.#parent = encodeURIComponent(options.parentProjectId);
    this.#transport = new Transport({
      ...options,
      upstream: 'sinch-subprojects',
      parseErrorBody: parseRpcError,
    });
  }

  /** No idempotency key exists: a repeat would make a second subproject, so it is not retried blindly. */
  create(input: CreateSubprojectRequest): Promise<Subproject> {
    return this.#transport.call({
      operation: 'subprojects.create',
      method: 'POST',
      path: `/v1/projects/${this.#parent}/subprojects`,
      json: input,
      auth: this.#auth,
      response: subprojectSchema,
      retry: 'create',
    });
  }

  get(subprojectId: string): Promise<Subproject> {
    return this.#transport.call({
      operation: 'subprojects.get',
      method: 'GET',
      path: `/v1/subprojects/${encodeURIComponent(subprojectId)}`,
      auth: this.#auth,
      response: subprojectSchema,
      retry: 'read',
    });
  }

  list(options: ListSubprojectsOptions = {}): Promise<SubprojectList> {
    return this.#transport.call({
      operation: 'subprojects.list',
      method: 'GET',
      path: `/v1/projects/${this.#parent}/subprojects`,
      query: {
        pageSize: options.pageSize,
        pageToken: options.pageToken,
        showDeleted: options.showDeleted,
      },
      auth: this.#auth,
      response: subprojectListSchema,
      retry: 'read',
    });
  }

  /**
   * Soft-deletes a subproject (it is then listed only with `showDeleted`). A repeat after a lost
   * answer is refused with 404 NOT_FOUND: a caller cleaning up reads `not_found` as already gone.
   */
  async delete(subprojectId: string): Promise<void> {
    await this.#transport.call({
      operation: 'subprojects.delete',
      method: 'DELETE',
      path: `/v1/subprojects/${encodeURIComponent(subprojectId)}`,
      auth: this.#auth,
      response: emptyBodySchema,
      retry: 'read',
    });
  }

  /** Every subproject, page by page: how a create with an unknown outcome finds what it made. */
  async *listAll(
    options: Omit<ListSubprojectsOptions, 'pageToken'> = {},
  ): AsyncGenerator<Subproject> {
    let pageToken: string | undefined;
    do {
      const page = await this.list({ ...options, pageToken });
      yield* page.subprojects;
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
  }
}
