import { z } from 'zod';

/** The knobs a test or a QA session may turn while the fake runs. */
export const sandboxConfigSchema = z.object({
  /** How long a new sender stays IN_PROGRESS when no outcome is scripted. */
  senderActivationMs: z.number().int().nonnegative(),
  /** How long a new subproject is refused by Provisioning and Conversation (contracts gap 11). */
  subprojectWarmupMs: z.number().int().nonnegative(),
  tokenTtlSeconds: z.number().int().positive(),
  iframeTtlMs: z.number().int().positive(),
  /** Waits between outbound delivery attempts; its length is the number of retries. */
  callbackRetryDelaysMs: z.array(z.number().int().nonnegative()).max(20),
});
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

export const configPatchSchema = sandboxConfigSchema.partial().strict();

export const DEFAULT_CONFIG: SandboxConfig = {
  senderActivationMs: 3000,
  subprojectWarmupMs: 0,
  tokenTtlSeconds: 3600,
  iframeTtlMs: 3_600_000,
  callbackRetryDelaysMs: [250, 1000, 4000],
};
