// The frontend relays what the SendZen iframe posted to its page. The relay names its onboarding,
// so the SendZen project and the customer default to that onboarding's, and must match it if given.
import { InvalidInputError, PreconditionError } from './errors.ts';
import type { SignupReport } from './signup.ts';

export interface RelayedSignup {
  status: 'COMPLETED' | 'FAILED';
  /** Required when the signup completed. */
  wabaId?: string | null;
  /** Required when the signup completed. */
  phoneNumberId?: string | null;
  projectId?: string | null;
  clientIdentifier?: string | null;
  /** Meta's Embedded Signup code, if the page has it. */
  code?: string | null;
  message?: string | null;
}

export function relayedSignupReport(
  onboarding: { clientIdentifier: string; sendzenProjectId: string | null },
  relayed: RelayedSignup,
): SignupReport {
  if (!onboarding.sendzenProjectId) {
    throw new PreconditionError(
      'SENDZEN_PROJECT',
      'The onboarding has no SendZen project yet, so no signup can have happened',
    );
  }
  const base = {
    project_id: relayed.projectId ?? onboarding.sendzenProjectId,
    client_identifier: relayed.clientIdentifier ?? onboarding.clientIdentifier,
  };
  const code = relayed.code ?? undefined;
  if (relayed.status === 'FAILED') {
    const message = relayed.message ?? 'The customer did not complete the signup.';
    return { result: { status: 'failed', ...base, message }, code, source: 'relay' };
  }
  if (!relayed.wabaId) {
    throw new InvalidInputError('wabaId', 'A completed signup needs its WABA id');
  }
  if (!relayed.phoneNumberId) {
    throw new InvalidInputError('phoneNumberId', 'A completed signup needs its phone number id');
  }
  return {
    result: {
      status: 'completed',
      ...base,
      waba_id: relayed.wabaId,
      phone_number_id: relayed.phoneNumberId,
    },
    code,
    source: 'relay',
  };
}
