import { z } from 'zod';

export const DELIVERY_REPORT_MODES = ['normal', 'never', 'failed'] as const;

/** The knobs a test or a QA session may turn while the fake runs. */
export const sandboxConfigSchema = z.object({
  /** How long a new sender stays IN_PROGRESS when no outcome is scripted. */
  senderActivationMs: z.number().int().nonnegative(),
  /** How long a new subproject is refused by Provisioning and Conversation (contracts gap 11). */
  subprojectWarmupMs: z.number().int().nonnegative(),
  tokenTtlSeconds: z.number().int().positive(),
  iframeTtlMs: z.number().int().positive(),
  /** How long a Meta authorization code the fake issues stays good (Meta's: about 30 s). */
  metaCodeTtlMs: z.number().int().positive(),
  /** Waits between outbound delivery attempts; its length is the number of retries. */
  callbackRetryDelaysMs: z.array(z.number().int().nonnegative()).max(20),
  /**
   * What follows a `messages:send`: `normal` QUEUED_ON_CHANNEL then DELIVERED, `failed`
   * QUEUED_ON_CHANNEL then FAILED, `never` no delivery report at all.
   */
  deliveryReports: z.enum(DELIVERY_REPORT_MODES),
  /** How long after a send (and after each report) the next delivery report goes out. */
  deliveryReportDelayMs: z.number().int().nonnegative(),
});
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

export const configPatchSchema = sandboxConfigSchema.partial().strict();

export const DEFAULT_CONFIG: SandboxConfig = {
  senderActivationMs: 3000,
  subprojectWarmupMs: 0,
  tokenTtlSeconds: 3600,
  iframeTtlMs: 3_600_000,
  metaCodeTtlMs: 30_000,
  callbackRetryDelaysMs: [250, 1000, 4000],
  deliveryReports: 'normal',
  deliveryReportDelayMs: 300,
};

/** How the fake is started (mocks/serve.ts): where it listens, and the knobs' first values. */
export interface FakeUpstreamsOptions {
  /** 0 picks a free port (tests). Default 4010. */
  port?: number;
  /**
   * The SendZen iframe's own port, so its page posts from an origin of its own. 0 (the default)
   * picks a free one; `urls.sendzenIframe` says which.
   */
  iframePort?: number;
  /**
   * The port of the stand-in for Meta's SDK and Embedded Signup window (meta-standin.ts), an origin
   * of its own as Meta's is. 0 (the default) picks a free one; `urls.meta` says which.
   */
  metaPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Makes every generated id deterministic. */
  seed?: string | number;
  /** Default 3000: how long a sender stays IN_PROGRESS when no outcome is scripted. */
  senderActivationMs?: number;
  /** Default 0: how long a new subproject is refused by Provisioning and Conversation. */
  subprojectWarmupMs?: number;
  /** Default 3600. */
  tokenTtlSeconds?: number;
  /** Default one hour. */
  iframeTtlMs?: number;
  /** Default 30 s: how long a Meta authorization code the fake issues stays good. */
  metaCodeTtlMs?: number;
  /** Default [250, 1000, 4000]: waits between outbound delivery attempts. */
  callbackRetryDelaysMs?: number[];
  /** One line per request on stdout. Default true; tests pass false. */
  log?: boolean;
  /**
   * Keep the fake's records in this JSON file (reloaded at start, saved after changes and at
   * close) so they survive a restart; the gateway's sandbox passes one beside its database.
   * Unset, the fake holds everything in memory only.
   */
  stateFile?: string;
}
