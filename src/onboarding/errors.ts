// The failures a caller of the onboarding domain is expected to handle, each with what a person
// needs to act on it. GraphQL turns each into a typed error result.
import type { StepName } from './step-names.ts';

export class OnboardingNotFoundError extends Error {
  override readonly name = 'OnboardingNotFoundError';
  constructor(readonly onboardingId: string) {
    super('No onboarding with this id');
  }
}

/** The operation needs a step that has not succeeded (no sender before the signup completed). */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
  constructor(
    readonly step: StepName,
    message: string,
  ) {
    super(message);
  }
}

/** The input contradicts the onboarding (a signup result for another customer). */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Sinch refused to make a sender for a number the vendor added: the number is in use (by another
 * WABA or project), or does not belong to the customer's WABA. `code` is Sinch's own.
 */
export class PhoneNumberUnavailableError extends Error {
  override readonly name = 'PhoneNumberUnavailableError';
  constructor(
    readonly phoneNumberId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
