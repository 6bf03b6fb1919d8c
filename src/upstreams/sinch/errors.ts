// Sinch answers errors in three shapes depending on the API; each parser turns one of them into
// the upstream's own code and message for `UpstreamError`.
import type { UpstreamErrorBody } from '../http.ts';
import { oauthErrorBodySchema, papiErrorBodySchema, rpcErrorBodySchema } from './contract.ts';

/** Subprojects and Conversation API: `{error: {code, message, status, details}}`. */
export function parseRpcError(body: unknown): UpstreamErrorBody | undefined {
  const parsed = rpcErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return { code: parsed.data.error.status, message: parsed.data.error.message || undefined };
}

/** Provisioning API: `{errorCode, message, resolution, additionalInformation}`. */
export function parsePapiError(body: unknown): UpstreamErrorBody | undefined {
  const parsed = papiErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { errorCode, message, resolution } = parsed.data;
  return { code: errorCode, message: [message, resolution].filter(Boolean).join(' ') || undefined };
}

/** The OAuth2 token endpoint: `{error, error_description}`. */
export function parseOAuthError(body: unknown): UpstreamErrorBody | undefined {
  const parsed = oauthErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return { code: parsed.data.error, message: parsed.data.error_description };
}
