// A session token sees exactly one onboarding. Asked about any other, it is told "not found", the
// same answer as for an id that does not exist, so a token cannot probe which onboardings exist.
// In auth/ rather than the domain: it is about what a credential may see, and the domain never
// learns who is calling.
import { OnboardingNotFoundError } from '../onboarding/errors.ts';
import type { Caller } from './caller.ts';

export function mayAccess(caller: Caller, onboardingId: string): boolean {
  return caller.kind !== 'session' || caller.onboardingId === onboardingId;
}

export function requireAccess(caller: Caller, onboardingId: string): string {
  if (!mayAccess(caller, onboardingId)) throw new OnboardingNotFoundError(onboardingId);
  return onboardingId;
}
