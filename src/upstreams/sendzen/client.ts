// The SendZen partner API: one call creates (or returns) a customer's project and API key and an
// embeddable onboarding iframe URL. The customer's outcome arrives later by postMessage in the
// browser and by webhook on the server; both are parsed here.
import { Transport, type TransportTuning, type UpstreamErrorBody } from '../http.ts';
import { redactor } from '../redact.ts';
import {
  errorBodySchema,
  IFRAME_URL_LIFETIME_MS,
  onboardResponseSchema,
  type SignupResult,
  signupResultSchema,
} from './contract.ts';

export interface SendZenClientOptions extends TransportTuning {
  /** `https://api.sendzen.io`, or the bundled fake's `/sendzen` URL. */
  baseUrl: string;
  partnerApiKey: string;
  now?: () => number;
}

export interface OnboardInput {
  clientIdentifier: string;
  clientWebhookUrl?: string;
}

export interface SendZenOnboarding {
  clientIdentifier: string;
  projectId: string;
  projectName: string;
  /** The customer's own SendZen API key: a secret, to be sealed before it is stored. */
  apiKey: string;
  iframeUrl: string;
  /** Measured from before the request, so it never overstates how long the link lives. */
  iframeUrlExpiresAt: Date;
  webhook: { url: string | null; valid: boolean; detail?: string } | null;
}

export function parseSendZenError(body: unknown): UpstreamErrorBody | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error, message } = parsed.data;
  if (typeof error === 'string') return { code: error, message: message ?? error };
  return { code: error.code, message: message ?? error.details };
}

export class SendZenClient {
  readonly #transport: Transport;
  readonly #auth: { authorization(): Promise<string> };
  readonly #now: () => number;

  constructor(options: SendZenClientOptions) {
    const header = `Bearer ${options.partnerApiKey}`;
    redactor.remember(options.partnerApiKey);
    this.#auth = { authorization: async () => header };
    this.#now = options.now ?? Date.now;
    this.#transport = new Transport({
      ...options,
      upstream: 'sendzen',
      parseErrorBody: parseSendZenError,
    });
  }

  /**
   * Creates the customer's SendZen project, or returns the existing one for the same client
   * identifier with a fresh iframe URL. Retried like a read because SendZen keys the project by
   * client identifier (contracts gap 1), so a repeat cannot create a second one.
   */
  async onboard(input: OnboardInput): Promise<SendZenOnboarding> {
    const requestedAt = this.#now();
    const body = await this.#transport.call({
      operation: 'partner.onboard',
      method: 'POST',
      path: '/v1/partner/onboard',
      json: {
        client_identifier: input.clientIdentifier,
        client_webhook_url: input.clientWebhookUrl,
      },
      auth: this.#auth,
      response: onboardResponseSchema,
      retry: 'read',
    });
    redactor.remember(body.user_data.api_key);
    return {
      clientIdentifier: body.user_data.client_identifier,
      projectId: body.user_data.project_id,
      projectName: body.user_data.project_name,
      apiKey: body.user_data.api_key,
      iframeUrl: body.iframe_url,
      iframeUrlExpiresAt: new Date(requestedAt + IFRAME_URL_LIFETIME_MS),
      webhook: body.webhook ?? null,
    };
  }
}

export type SignupParse = { ok: true; result: SignupResult } | { ok: false; problem: string };

function parseSignup(value: unknown): SignupParse {
  const parsed = signupResultSchema.safeParse(value);
  if (parsed.success) return { ok: true, result: parsed.data };
  const problem = parsed.error.issues
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  return { ok: false, problem };
}

/** The JSON body SendZen POSTs to `client_webhook_url`. */
export function parseSignupWebhook(body: unknown): SignupParse {
  return parseSignup(body);
}

/**
 * What the iframe posted to the embedding page (`event.data`), relayed by the frontend. SendZen
 * does not document whether it posts an object or a JSON string, so both are accepted.
 */
export function parseSignupMessage(data: unknown): SignupParse {
  if (typeof data === 'string') {
    try {
      return parseSignup(JSON.parse(data));
    } catch {
      return { ok: false, problem: 'message is a string but not JSON' };
    }
  }
  return parseSignup(data);
}
