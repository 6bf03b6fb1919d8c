// The per-onboarding secrets and where each is sealed. Every value is bound to its row and kind.
import type { Sealer } from '../secrets/seal.ts';

export type OnboardingSecretKind =
  | 'sendzen_api_key'
  | 'sendzen_webhook_token'
  | 'provisioning_webhook_secret'
  | 'app_webhook_secret'
  | 'signup_code';

export function sealOnboardingSecret(
  sealer: Sealer,
  onboardingId: string,
  kind: OnboardingSecretKind,
  value: string,
): string {
  return sealer.seal(value, { table: 'onboardings', rowId: onboardingId, kind });
}

export function openOnboardingSecret(
  sealer: Sealer,
  onboardingId: string,
  kind: OnboardingSecretKind,
  sealed: string,
): string {
  return sealer.open(sealed, { table: 'onboardings', rowId: onboardingId, kind });
}

export function sealSenderToken(sealer: Sealer, senderId: string, token: string): string {
  return sealer.seal(token, { table: 'senders', rowId: senderId, kind: 'bearer_token' });
}

export function openSenderToken(sealer: Sealer, senderId: string, sealed: string): string {
  return sealer.open(sealed, { table: 'senders', rowId: senderId, kind: 'bearer_token' });
}
