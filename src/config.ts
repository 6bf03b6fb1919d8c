// The gateway's whole configuration, parsed once from the environment. Nothing else reads
// process.env. A bad or missing value stops the start with every problem listed at once.
//
// Two modes: `sandbox` (the default, so `npm start` works with no configuration) serves the bundled
// fake of SendZen and Sinch in the same process and points every upstream at it; `live` talks to the
// real hosts and requires the real credentials.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65_535);
const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  GATEWAY_MODE: z.enum(['sandbox', 'live']).default('sandbox'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  /** How upstreams and browsers reach this gateway; webhook URLs handed upstream are built from it. */
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_FILE: z.string().min(1).default('./data/gateway.sqlite'),
  /**
   * postgres://user:password@host:5432/db: keep everything in PostgreSQL instead of the SQLite
   * file, which several instances can share. DATABASE_FILE's folder still holds the sandbox's
   * generated keys.
   */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Connections each instance keeps open to PostgreSQL at most. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Names this instance in the step claims it holds; unset, the host name and the port. */
  INSTANCE_ID: z.string().min(1).max(200).optional(),
  AUTO_PROVISION: bool.default(true),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Serve /metrics (Prometheus text, no credential asked: keep the port off the internet). */
  METRICS_ENABLED: bool.default(true),

  SANDBOX_PORT: port.default(4010),
  /**
   * The fake SendZen iframe's own origin (a port of its own, as SendZen's is another site). Fixed by
   * default (SANDBOX_PORT + 1), so the links of onboardings in flight still open after a restart.
   */
  SANDBOX_IFRAME_PORT: port.optional(),
  /**
   * The origin of the fake's stand-in for Meta's SDK and Embedded Signup window (a port of its own,
   * as Meta's is another site). Fixed by default (SANDBOX_PORT + 2), so a page that loaded the SDK
   * still reaches it after a restart.
   */
  SANDBOX_META_PORT: port.optional(),
  /**
   * Sandbox mode listens on loopback only: GraphiQL there carries the development key (admin). Set
   * to listen on HOST anyway; GraphiQL then asks for a key and the demo is not served.
   */
  SANDBOX_ALLOW_REMOTE: bool.default(false),
  SANDBOX_SENDER_ACTIVATION_MS: z.coerce.number().int().min(0).default(3_000),

  SENDZEN_BASE_URL: httpUrl.default('https://api.sendzen.io'),
  SENDZEN_PARTNER_API_KEY: z.string().min(1).optional(),

  SINCH_AUTH_MODE: z.enum(['oauth2', 'basic']).default('oauth2'),
  SINCH_AUTH_BASE_URL: httpUrl.default('https://auth.sinch.com'),
  SINCH_SUBPROJECTS_BASE_URL: httpUrl.default('https://subproject.api.sinch.com'),
  SINCH_PROVISIONING_BASE_URL: httpUrl.default('https://provisioning.api.sinch.com'),
  SINCH_CONVERSATION_BASE_URL: z
    .string()
    .includes('{region}', { message: 'must contain a {region} placeholder' })
    .default('https://{region}.conversation.api.sinch.com'),
  SINCH_PROJECT_ID: z.string().min(1).optional(),
  SINCH_KEY_ID: z.string().min(1).optional(),
  SINCH_KEY_SECRET: z.string().min(1).optional(),

  /**
   * Meta's Embedded Signup launched by the vendor's own page (signup path META_EMBEDDED_SIGNUP):
   * the Meta app and its Embedded Signup configuration, handed to the page by onboardCustomer so
   * the browser never chooses them. Both or neither; the sandbox supplies its stand-in's.
   */
  META_APP_ID: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric Meta app id')
    .optional(),
  META_CONFIG_ID: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric configuration id')
    .optional(),
  /** A Solution Partner's solution id, passed to Embedded Signup as `extras.setup.solutionID`. */
  META_SOLUTION_ID: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric solution id')
    .optional(),
  META_GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v24.0')
    .default('v24.0'),
  META_SDK_URL: z.url({ protocol: /^https$/ }).default('https://connect.facebook.net/en_US/sdk.js'),

  /** 32 bytes, base64: seals secrets at rest. Generated and kept in the data folder in sandbox mode. */
  SECRETS_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  /** Comma-separated older keys, still able to open what they sealed while a rotation runs. */
  SECRETS_PREVIOUS_KEYS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine(
      (keys) => keys.every((k) => Buffer.from(k, 'base64').length === 32),
      'each key must be 32 bytes, base64-encoded',
    )
    .optional(),
  /** A partner API key (gwk_...) to create at start if missing: bootstraps a fresh database. */
  BOOTSTRAP_API_KEY: z
    .string()
    .regex(
      /^gwk_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/,
      'must be a key made by `npm run gateway -- keys create`',
    )
    .optional(),
  BOOTSTRAP_API_KEY_SCOPES: z.string().default('read,write,admin'),

  /** Poll the sender when no provisioning callback has arrived this long after creating it. */
  SENDER_POLL_AFTER_MS: z.coerce.number().int().min(100).default(60_000),
  // SendZen retries its webhook for minutes; a relayed result not confirmed by then never will be.
  SIGNUP_CONFIRMATION_WINDOW_MS: z.coerce.number().int().min(100).default(900_000),
  /** A new Sinch subproject may answer 404/403 this long before it is usable (Sinch says ~30 s). */
  SUBPROJECT_WARMUP_GRACE_MS: z.coerce.number().int().min(0).default(90_000),
  STEP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  STEP_RETRY_BASE_MS: z.coerce.number().int().min(1).default(1_000),
  /** How many steps the runner works on at once, across onboardings (one per onboarding). */
  STEP_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(32),
  /**
   * After a step whose earlier attempt had an unknown outcome succeeds, look this much later for a
   * duplicate that attempt may still have committed upstream, and remove it.
   */
  RECONCILE_AFTER_MS: z.coerce.number().int().min(1).default(60_000),
  /** How many such looks, each twice as long after the step as the one before. */
  RECONCILE_LOOKS: z.coerce.number().int().min(1).max(20).default(4),
  /**
   * With PostgreSQL: how long a step claimed by an instance stays its own without the instance
   * renewing the claim; an instance that dies loses its steps to the others this long after.
   */
  STEP_LEASE_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How long one upstream call may take, start to finish, before it counts as timed out. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),

  /** How long the vendor's event endpoint may take to answer one delivery attempt. */
  EVENT_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** First retry delay of a failed event delivery; doubles per attempt up to EVENT_RETRY_MAX_MS. */
  EVENT_RETRY_BASE_MS: z.coerce.number().int().min(1).default(10_000),
  EVENT_RETRY_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  /** Attempts before a delivery is given up as FAILED (it can still be replayed). */
  EVENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(20),

  /** Set: onboarding events go through this Redis, so every instance's subscribers see every change. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Every channel name starts with it: several gateways (or tests) can share one Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).default('wog:'),
  /**
   * On SIGTERM or SIGINT, how long upstream calls in flight may take to finish; a step still
   * running then is recorded as having an unknown outcome, for the next start to adopt.
   */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),

  /** Mutations per minute each API key may make, on average; 0: no limit. */
  RATE_LIMIT_KEY_PER_MINUTE: z.coerce.number().min(0).default(6_000),
  /** How many of them at once after a quiet spell; unset, 1,000 or the per-minute rate if lower. */
  RATE_LIMIT_KEY_BURST: z.coerce.number().int().min(1).optional(),
  /** The same for each onboarding's session tokens (all of one onboarding's tokens together). */
  RATE_LIMIT_SESSION_PER_MINUTE: z.coerce.number().min(0).default(120),
  /** Unset, 30 or the per-minute rate if lower. */
  RATE_LIMIT_SESSION_BURST: z.coerce.number().int().min(1).optional(),
});

/** A burst above the per-minute rate would let a low limit be spent many times over at once. */
function bucketLimit(perMinute: number, burst: number | undefined, defaultBurst: number) {
  return { perMinute, burst: burst ?? Math.max(1, Math.min(defaultBurst, Math.floor(perMinute))) };
}

/** What live mode cannot start without (sandbox mode supplies all of it). */
const LIVE_REQUIRED = [
  'PUBLIC_URL',
  'SENDZEN_PARTNER_API_KEY',
  'SINCH_PROJECT_ID',
  'SINCH_KEY_ID',
  'SINCH_KEY_SECRET',
  'SECRETS_KEY',
] as const;

/** Where a sandbox may listen without SANDBOX_ALLOW_REMOTE: this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export type Env = z.infer<typeof envSchema>;

export interface Config {
  mode: 'sandbox' | 'live';
  host: string;
  port: number;
  /** Undefined: derived from the address the server listens on. */
  publicUrl: string | undefined;
  databaseFile: string;
  /** PostgreSQL in place of the SQLite file, when set. */
  database: { url: string; poolSize: number } | undefined;
  instanceId: string | undefined;
  autoProvision: boolean;
  logLevel: Env['LOG_LEVEL'];
  metricsEnabled: boolean;
  /**
   * Only in sandbox mode: where the bundled fake listens, how fast its senders activate, and
   * whether the gateway was deliberately opened beyond loopback (SANDBOX_ALLOW_REMOTE).
   */
  sandbox:
    | {
        port: number;
        iframePort: number;
        metaPort: number;
        senderActivationMs: number;
        allowRemote: boolean;
      }
    | undefined;
  /** Undefined in sandbox mode until the fake has started and filled in its own URLs. */
  upstreams: UpstreamsConfig;
  /** Undefined when no Meta app is configured: onboardCustomer then refuses Meta's path. */
  metaSignup: MetaSignupConfig | undefined;
  secretsKey: string | undefined;
  previousSecretsKeys: string[];
  bootstrapApiKey: { key: string; scopes: string } | undefined;
  pipeline: {
    senderPollAfterMs: number;
    /** How long a signup result the page relayed waits for SendZen's webhook to confirm it. */
    signupConfirmationWindowMs: number;
    subprojectWarmupGraceMs: number;
    stepMaxAttempts: number;
    stepRetryBaseMs: number;
    stepConcurrency: number;
    reconcileAfterMs: number;
    reconcileLooks: number;
    stepLeaseMs: number;
  };
  /** One upstream call's budget (each retry of it gets its own). */
  upstreamTimeoutMs: number;
  /** Signed event POSTs to the vendor's endpoints: one attempt's budget and the retry schedule. */
  vendorEvents: VendorEventSettings;
  /** Undefined: events stay in this process. */
  redis: { url: string; keyPrefix: string } | undefined;
  /** How long a shutdown waits for work in flight. */
  shutdownTimeoutMs: number;
  /** Mutation budgets per API key and per onboarding's session tokens (perMinute 0: none). */
  rateLimits: RateLimits;
}

export interface VendorEventSettings {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
}

export interface UpstreamsConfig {
  sendzen: { baseUrl: string; partnerApiKey: string };
  sinch: {
    authMode: 'oauth2' | 'basic';
    authBaseUrl: string;
    subprojectsBaseUrl: string;
    provisioningBaseUrl: string;
    conversationBaseUrlTemplate: string;
    projectId: string;
    keyId: string;
    keySecret: string;
  };
}

/** What the vendor's page needs to launch Meta's Embedded Signup, and whose messages to trust. */
export interface MetaSignupConfig {
  appId: string;
  configId: string;
  solutionId: string | undefined;
  graphApiVersion: string;
  /** Meta's JavaScript SDK, or in the sandbox the fake's stand-in for it. */
  sdkUrl: string;
  /** The origins whose `WA_EMBEDDED_SIGNUP` messages the page may accept: Meta's, or the stand-in's. */
  messageOrigins: string[];
}

/** Where Meta's Embedded Signup posts its messages from (contracts F.2). */
export const META_MESSAGE_ORIGINS = ['https://www.facebook.com', 'https://web.facebook.com'];

/** A token bucket's budget (src/auth/rate-limit.ts spends it). */
export interface BucketLimit {
  /** Tokens added per minute; 0 turns the limit off. */
  perMinute: number;
  /** How many a full bucket holds: what a caller idle long enough may spend at once. */
  burst: number;
}

/** Mutation budgets per API key and per onboarding's session tokens. */
export interface RateLimits {
  apiKey: BucketLimit;
  session: BucketLimit;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as it does in most shells' `FOO= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(present);
  // Checked beside the schema, not inside it, so they are listed even when another value is bad.
  const missing =
    present.GATEWAY_MODE === 'live'
      ? LIVE_REQUIRED.filter((key) => !present[key]).map(
          (key) => `${key}: is required in live mode`,
        )
      : [];
  // Read raw for the same reason; a bad SANDBOX_ALLOW_REMOTE is already listed by the schema.
  const metaHalf =
    Boolean(present.META_APP_ID) !== Boolean(present.META_CONFIG_ID)
      ? ['META_APP_ID, META_CONFIG_ID: set both for Meta Embedded Signup, or neither']
      : [];
  const allowRemote = bool.safeParse(present.SANDBOX_ALLOW_REMOTE ?? 'false');
  const exposed =
    present.GATEWAY_MODE !== 'live' &&
    present.HOST !== undefined &&
    !isLoopback(present.HOST) &&
    !(allowRemote.success && allowRemote.data)
      ? [
          `HOST: ${present.HOST} is not a loopback address, and sandbox mode serves GraphiQL with ` +
            'the development key (admin) and the demo: use 127.0.0.1, ::1 or localhost, or set ' +
            'SANDBOX_ALLOW_REMOTE=true to open it to the network deliberately',
        ]
      : [];
  if (!parsed.success || missing.length > 0 || exposed.length > 0 || metaHalf.length > 0) {
    const invalid = parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError([...invalid, ...missing, ...exposed, ...metaHalf]);
  }
  const e = parsed.data;
  const sandbox = e.GATEWAY_MODE === 'sandbox';
  return Object.freeze({
    mode: e.GATEWAY_MODE,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    databaseFile: e.DATABASE_FILE,
    database: e.DATABASE_URL ? { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE } : undefined,
    instanceId: e.INSTANCE_ID,
    autoProvision: e.AUTO_PROVISION,
    logLevel: e.LOG_LEVEL,
    metricsEnabled: e.METRICS_ENABLED,
    sandbox: sandbox
      ? {
          port: e.SANDBOX_PORT,
          iframePort: e.SANDBOX_IFRAME_PORT ?? (e.SANDBOX_PORT === 0 ? 0 : e.SANDBOX_PORT + 1),
          metaPort: e.SANDBOX_META_PORT ?? (e.SANDBOX_PORT === 0 ? 0 : e.SANDBOX_PORT + 2),
          senderActivationMs: e.SANDBOX_SENDER_ACTIVATION_MS,
          allowRemote: e.SANDBOX_ALLOW_REMOTE,
        }
      : undefined,
    upstreams: {
      sendzen: { baseUrl: e.SENDZEN_BASE_URL, partnerApiKey: e.SENDZEN_PARTNER_API_KEY ?? '' },
      sinch: {
        authMode: e.SINCH_AUTH_MODE,
        authBaseUrl: e.SINCH_AUTH_BASE_URL,
        subprojectsBaseUrl: e.SINCH_SUBPROJECTS_BASE_URL,
        provisioningBaseUrl: e.SINCH_PROVISIONING_BASE_URL,
        conversationBaseUrlTemplate: e.SINCH_CONVERSATION_BASE_URL,
        projectId: e.SINCH_PROJECT_ID ?? '',
        keyId: e.SINCH_KEY_ID ?? '',
        keySecret: e.SINCH_KEY_SECRET ?? '',
      },
    },
    metaSignup:
      e.META_APP_ID && e.META_CONFIG_ID
        ? {
            appId: e.META_APP_ID,
            configId: e.META_CONFIG_ID,
            solutionId: e.META_SOLUTION_ID,
            graphApiVersion: e.META_GRAPH_API_VERSION,
            sdkUrl: e.META_SDK_URL,
            messageOrigins: META_MESSAGE_ORIGINS,
          }
        : undefined,
    secretsKey: e.SECRETS_KEY,
    previousSecretsKeys: e.SECRETS_PREVIOUS_KEYS ?? [],
    bootstrapApiKey: e.BOOTSTRAP_API_KEY
      ? { key: e.BOOTSTRAP_API_KEY, scopes: e.BOOTSTRAP_API_KEY_SCOPES }
      : undefined,
    pipeline: {
      senderPollAfterMs: e.SENDER_POLL_AFTER_MS,
      signupConfirmationWindowMs: e.SIGNUP_CONFIRMATION_WINDOW_MS,
      subprojectWarmupGraceMs: e.SUBPROJECT_WARMUP_GRACE_MS,
      stepMaxAttempts: e.STEP_MAX_ATTEMPTS,
      stepRetryBaseMs: e.STEP_RETRY_BASE_MS,
      stepConcurrency: e.STEP_CONCURRENCY,
      reconcileAfterMs: e.RECONCILE_AFTER_MS,
      reconcileLooks: e.RECONCILE_LOOKS,
      stepLeaseMs: e.STEP_LEASE_MS,
    },
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    vendorEvents: {
      timeoutMs: e.EVENT_DELIVERY_TIMEOUT_MS,
      retryBaseMs: e.EVENT_RETRY_BASE_MS,
      retryMaxMs: Math.max(e.EVENT_RETRY_MAX_MS, e.EVENT_RETRY_BASE_MS),
      maxAttempts: e.EVENT_MAX_ATTEMPTS,
    },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    rateLimits: {
      apiKey: bucketLimit(e.RATE_LIMIT_KEY_PER_MINUTE, e.RATE_LIMIT_KEY_BURST, 1_000),
      session: bucketLimit(e.RATE_LIMIT_SESSION_PER_MINUTE, e.RATE_LIMIT_SESSION_BURST, 30),
    },
  });
}
