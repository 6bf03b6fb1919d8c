// Event endpoints (where the vendor's backend receives signed onboarding events) and the
// deliveries to them, with each attempt and what the endpoint answered.
import type { EVENT_DELIVERY_STATUSES, EventEndpointRow } from '../db/schema.ts';
import {
  EventDeliveryNotFoundError,
  type EventDeliveryView,
  EventEndpointNotFoundError,
} from '../vendor-events/endpoints.ts';
import { builder } from './builder.ts';
import { ErrorInterface } from './errors.ts';
import { OnboardingRef } from './onboarding.ts';
import { plainText } from './plain-text.ts';

export const EventDeliveryStatusEnum = builder.enumType('EventDeliveryStatus', {
  values: {
    PENDING: { description: 'Not delivered yet: sent at `nextAttemptAt`.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: {
      description:
        'Given up: every attempt failed (EVENT_MAX_ATTEMPTS), or the endpoint was deleted. replayEventDelivery sends it again.',
    },
  } satisfies Record<(typeof EVENT_DELIVERY_STATUSES)[number], object>,
});

export const EventEndpointRef = builder.objectRef<EventEndpointRow>('EventEndpoint').implement({
  description:
    'Where onboarding events are POSTed, signed with the endpoint’s secret (header `gateway-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    onboarding: t.field({
      type: OnboardingRef,
      nullable: true,
      description: 'The one onboarding whose events it receives; null: every onboarding’s.',
      resolve: (e, _args, ctx) => (e.onboardingId ? ctx.onboardings.get(e.onboardingId) : null),
    }),
    description: t.exposeString('description', { nullable: true }),
    secretPreview: t.string({
      description:
        'The end of the signing secret, to tell secrets apart; the secret itself is shown once, by createEventEndpoint.',
      resolve: (e) => `…${e.secretLast4}`,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
    disabledAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Set when the endpoint was deleted: it receives nothing more.',
      resolve: (e) => e.disabledAt,
    }),
  }),
});

export const CreateEventEndpointInput = builder.inputType('CreateEventEndpointInput', {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'An absolute http(s) URL, at most 2048 characters; https only in live mode.',
    }),
    onboardingId: t.id({
      required: false,
      description: 'Only this onboarding’s events; unset, every onboarding’s.',
    }),
    description: t.string({ required: false, validate: plainText().trim().max(500) }),
  }),
});

export const CreatedEventEndpointRef = builder
  .objectRef<{ endpoint: EventEndpointRow; secret: string }>('CreatedEventEndpoint')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: EventEndpointRef, resolve: (c) => c.endpoint }),
      secret: t.exposeString('secret', {
        description:
          'The signing secret, shown this once: keep it where your backend verifies signatures.',
      }),
    }),
  });

const EventDeliveryAttemptRef = builder
  .objectRef<EventDeliveryView['attempts'][number]>('EventDeliveryAttempt')
  .implement({
    fields: (t) => ({
      at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
      statusCode: t.exposeInt('statusCode', {
        nullable: true,
        description: 'Null when no answer came back (see `error`).',
      }),
      responseExcerpt: t.exposeString('responseExcerpt', {
        nullable: true,
        description: 'The first 500 characters of the answer’s body.',
      }),
      error: t.exposeString('error', {
        nullable: true,
        description: 'Why there was no answer: timeout, connection refused, network error.',
      }),
      durationMs: t.exposeInt('durationMs'),
    }),
  });

export const EventDeliveryRef = builder.objectRef<EventDeliveryView>('EventDelivery').implement({
  description: 'One event for one endpoint, stored when the event happened and sent after.',
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.delivery.id }),
    endpointId: t.id({ resolve: (v) => v.delivery.endpointId }),
    onboarding: t.field({
      type: OnboardingRef,
      nullable: true,
      resolve: (v, _args, ctx) => ctx.onboardings.get(v.delivery.onboardingId),
    }),
    eventId: t.id({
      description: 'The event’s id: the body’s `id` and the `gateway-event-id` header.',
      resolve: (v) => String(v.delivery.eventId),
    }),
    eventType: t.string({ resolve: (v) => v.delivery.eventType }),
    body: t.string({
      description: 'Exactly what is POSTed, and signed.',
      resolve: (v) => v.delivery.body,
    }),
    status: t.field({ type: EventDeliveryStatusEnum, resolve: (v) => v.delivery.status }),
    attempts: t.field({
      type: [EventDeliveryAttemptRef],
      description: 'Every attempt, oldest first (a replay’s included).',
      resolve: (v) => v.attempts,
    }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (v) => v.delivery.nextAttemptAt,
    }),
    lastStatusCode: t.int({ nullable: true, resolve: (v) => v.delivery.lastStatusCode }),
    createdAt: t.field({ type: 'DateTime', resolve: (v) => v.delivery.createdAt }),
    deliveredAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (v) => v.delivery.deliveredAt,
    }),
  }),
});

builder.objectType(EventEndpointNotFoundError, {
  name: 'EventEndpointNotFound',
  description: 'No event endpoint has this id.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EventEndpointNotFoundError,
  fields: (_t) => ({}),
});

builder.objectType(EventDeliveryNotFoundError, {
  name: 'EventDeliveryNotFound',
  description: 'No event delivery has this id, or its endpoint was deleted.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EventDeliveryNotFoundError,
  fields: (_t) => ({}),
});
