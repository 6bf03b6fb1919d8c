// Credentials for the Sinch APIs. OAuth2 client credentials is the production choice (Basic is
// documented as test-only and heavily rate limited) and is the default; Basic stays available as
// configuration for accounts and fakes that use it.
import {
  type AuthProvider,
  type Logger,
  type PoolRegistry,
  type Timeouts,
  Transport,
  type UpstreamMetrics,
} from '../http.ts';
import { redactor } from '../redact.ts';
import { tokenResponseSchema } from './contract.ts';
import { parseOAuthError } from './errors.ts';

export type SinchAuthMode = 'oauth2' | 'basic';

export interface SinchAuthOptions {
  mode: SinchAuthMode;
  keyId: string;
  keySecret: string;
  /** Token endpoint base, e.g. `https://auth.sinch.com`; only used in oauth2 mode. */
  authBaseUrl: string;
  pools?: PoolRegistry;
  logger?: Logger;
  metrics?: UpstreamMetrics;
  timeouts?: Partial<Timeouts>;
  now?: () => number;
}

function basicHeader(keyId: string, keySecret: string) {
  return `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
}

export function createSinchAuth(options: SinchAuthOptions): AuthProvider {
  redactor.remember(options.keySecret, basicHeader(options.keyId, options.keySecret));
  return options.mode === 'basic'
    ? new BasicAuth(options.keyId, options.keySecret)
    : new OAuth2TokenCache(options);
}

class BasicAuth implements AuthProvider {
  readonly #header: string;
  constructor(keyId: string, keySecret: string) {
    this.#header = basicHeader(keyId, keySecret);
  }
  async authorization() {
    return this.#header;
  }
  /** Static credentials that were refused stay refused: asking again cannot help. */
  refused() {
    return false;
  }
}

interface CachedToken {
  header: string;
  /** When to stop using it: ahead of the real expiry, so no call carries a token about to die. */
  renewAt: number;
}

/**
 * Caches one access token, renews it ahead of expiry, and shares a single in-flight renewal between
 * concurrent callers so a burst of calls after expiry costs one token request, not one per call.
 */
export class OAuth2TokenCache implements AuthProvider {
  readonly #transport: Transport;
  readonly #basic: string;
  readonly #now: () => number;
  #token: CachedToken | undefined;
  #renewal: Promise<CachedToken> | undefined;
  /** How many tokens were fetched: lets tests and metrics see the cache working. */
  fetches = 0;

  constructor(options: SinchAuthOptions) {
    this.#basic = basicHeader(options.keyId, options.keySecret);
    this.#now = options.now ?? Date.now;
    this.#transport = new Transport({
      upstream: 'sinch-auth',
      baseUrl: options.authBaseUrl,
      parseErrorBody: parseOAuthError,
      pools: options.pools,
      logger: options.logger,
      metrics: options.metrics,
      timeouts: options.timeouts,
    });
  }

  async authorization(): Promise<string> {
    const token = this.#token;
    if (token && this.#now() < token.renewAt) return token.header;
    return (await this.#renew()).header;
  }

  refused(authorization: string): boolean {
    // Only drop the token that was refused: another caller may already have renewed it.
    if (this.#token?.header === authorization) this.#token = undefined;
    return true;
  }

  #renew(): Promise<CachedToken> {
    this.#renewal ??= this.#fetch().finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #fetch(): Promise<CachedToken> {
    const requestedAt = this.#now();
    const body = await this.#transport.call({
      operation: 'oauth2.token',
      method: 'POST',
      path: '/oauth2/token',
      form: { grant_type: 'client_credentials' },
      auth: { authorization: async () => this.#basic },
      response: tokenResponseSchema,
      retry: 'read',
    });
    this.fetches++;
    redactor.remember(body.access_token);
    const lifetimeMs = body.expires_in * 1000;
    // Renew a minute early, or a tenth of the lifetime for short-lived tokens.
    const margin = Math.min(60_000, lifetimeMs / 10);
    const token = {
      header: `Bearer ${body.access_token}`,
      renewAt: requestedAt + lifetimeMs - margin,
    };
    this.#token = token;
    return token;
  }
}
