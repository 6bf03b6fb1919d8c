// The SendZen partner API as the contracts document describes it (shared/contracts/upstream-apis.md,
// section A). The client validates what it receives against these schemas and the bundled fake
// validates what it accepts against them, so both agree on exactly one definition of the API.
import { z } from 'zod';

/** How long an `iframe_url` stays usable, per SendZen's guide. */
export const IFRAME_URL_LIFETIME_MS = 60 * 60 * 1000;

export const onboardRequestSchema = z.object({
  client_identifier: z.string().trim().min(1, 'client_identifier is required').max(255),
  client_webhook_url: z.url({ protocol: /^https?$/ }).optional(),
});
export type OnboardRequest = z.infer<typeof onboardRequestSchema>;

export const onboardResponseSchema = z.object({
  user_data: z.object({
    client_identifier: z.string(),
    project_id: z.string().min(1),
    project_name: z.string(),
    api_key: z.string().min(1),
  }),
  iframe_url: z.url(),
  // Absent or null-valued when no client_webhook_url was sent; the shape is not documented.
  webhook: z
    .object({
      url: z.string().nullable(),
      valid: z.boolean(),
      detail: z.string().optional(),
    })
    .nullish(),
});
export type OnboardResponse = z.infer<typeof onboardResponseSchema>;

/**
 * SendZen documents `{error, message}` for the partner API, while its other endpoints have been seen
 * answering `{message, error: {code, details}}`; accept both.
 */
export const errorBodySchema = z.object({
  error: z.union([
    z.string(),
    z.object({ code: z.string().optional(), details: z.string().optional() }).loose(),
  ]),
  message: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

const signupBase = {
  project_id: z.string().min(1),
  client_identifier: z.string().min(1),
};

/** The customer's signup outcome, posted by the iframe (postMessage) and to `client_webhook_url`. */
export const signupResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('completed'),
    ...signupBase,
    waba_id: z.string().min(1),
    phone_number_id: z.string().min(1),
  }),
  z.object({
    status: z.literal('failed'),
    ...signupBase,
    message: z.string().default('The customer did not complete the signup.'),
  }),
]);
export type SignupResult = z.infer<typeof signupResultSchema>;
