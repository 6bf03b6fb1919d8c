// Expected failures are typed results a client can branch on; every one implements `Error`.
import {
  InvalidInputError,
  OnboardingNotFoundError,
  PhoneNumberUnavailableError,
  PreconditionError,
} from '../onboarding/errors.ts';
import { UpstreamError } from '../upstreams/errors.ts';
import { builder } from './builder.ts';
import { StepNameEnum } from './step.ts';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure, with a message a person can act on.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(OnboardingNotFoundError, {
  name: 'OnboardingNotFound',
  description: 'No onboarding has this id (or it is not yours to see).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof OnboardingNotFoundError,
  fields: (_t) => ({}),
});

builder.objectType(PreconditionError, {
  name: 'PreconditionFailed',
  description: 'The operation needs a step that has not succeeded yet; `step` names it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PreconditionError,
  fields: (t) => ({ step: t.field({ type: StepNameEnum, resolve: (e) => e.step }) }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  description: 'The input contradicts the onboarding it names.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidInputError,
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(UpstreamError, {
  name: 'UpstreamFailure',
  description: 'SendZen or Sinch refused or failed the call. `code` is the upstream’s own code.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UpstreamError,
  fields: (t) => ({
    message: t.string({
      resolve: (e) =>
        `${e.upstream} answered ${e.status ?? e.kind}${e.upstreamMessage ? `: ${e.upstreamMessage}` : ''}`,
    }),
    upstream: t.exposeString('upstream'),
    code: t.string({ resolve: (e) => e.code ?? e.kind.toUpperCase() }),
    retryable: t.exposeBoolean('retryable', {
      description: 'Whether trying again later can help.',
    }),
  }),
});

builder.objectType(PhoneNumberUnavailableError, {
  name: 'PhoneNumberUnavailable',
  description:
    'Sinch refused a sender for the number (in use elsewhere, or not on the customer’s WABA); nothing was added. `code` is Sinch’s own, e.g. used_phone_number_id.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PhoneNumberUnavailableError,
  fields: (t) => ({
    phoneNumberId: t.exposeString('phoneNumberId'),
    code: t.exposeString('code'),
  }),
});

/** The errors every onboarding mutation may answer with. */
export const ONBOARDING_MUTATION_ERRORS = [
  OnboardingNotFoundError,
  PreconditionError,
  InvalidInputError,
  UpstreamError,
];

/**
 * Error handling for a mutation that answers with the onboarding: `<Name>Result` is the union of
 * `<Name>Success { onboarding }` and the typed errors.
 */
export function onboardingResult(name: string, extra: (new (...args: never[]) => Error)[] = []) {
  return {
    types: [...ONBOARDING_MUTATION_ERRORS, ...extra],
    union: { name: `${name}Result` },
    result: { name: `${name}Success` },
    dataField: { name: 'onboarding' },
  };
}
