// What each stored delivery does once acknowledged: the same domain functions the GraphQL
// resolvers call.
import type { WebhookSource } from '../db/schema.ts';
import { InvalidInputError } from '../onboarding/errors.ts';
import type { Onboardings } from '../onboarding/service.ts';
import { REDACTED } from '../upstreams/redact.ts';
import { parseSignupWebhook } from '../upstreams/sendzen/client.ts';
import { provisioningCallbackSchema } from '../upstreams/sinch/contract.ts';
import type { DeliveryHandler } from './inbox.ts';

export function deliveryHandlers(onboardings: Onboardings): Record<WebhookSource, DeliveryHandler> {
  return {
    sendzen: async (delivery) => {
      const parsed = parseSignupWebhook(delivery.body);
      if (!parsed.ok) return `invalid: ${parsed.problem}`;
      const wire = parsed.result;
      const base = { projectId: wire.project_id, clientIdentifier: wire.client_identifier };
      try {
        await onboardings.recordSignup(delivery.onboardingRef!, {
          result:
            wire.status === 'completed'
              ? {
                  ...base,
                  status: 'completed',
                  wabaId: wire.waba_id,
                  phoneNumberId: wire.phone_number_id,
                }
              : { ...base, status: 'failed', message: wire.message },
          source: 'webhook',
        });
        return 'applied';
      } catch (error) {
        if (error instanceof InvalidInputError) return `mismatch: ${error.message}`;
        throw error;
      }
    },
    'sinch-provisioning': async (delivery) => {
      const parsed = provisioningCallbackSchema.safeParse(delivery.body);
      if (!parsed.success) return 'invalid';
      if (!parsed.data.type.startsWith('WHATSAPP_SENDER_')) return 'ignored';
      const { bearerToken, ...sender } = parsed.data.payload;
      // Replayed from storage after a restart, the token is redacted: the sender then counts as
      // active without a token, and the poll fallback fetches it.
      await onboardings.recordSenderReport(delivery.onboardingRef!, {
        ...sender,
        ...(bearerToken && bearerToken !== REDACTED ? { bearerToken } : {}),
      });
      return 'applied';
    },
    // Delivery reports and replies update the onboarding's test messages; every other trigger
    // (and anything about messages the gateway did not send) is kept, deduplicated, and ignored.
    // A body replayed from storage after a restart is the same: nothing in these is redacted.
    'sinch-conversation': (delivery) =>
      onboardings.recordConversationCallback(delivery.onboardingRef!, delivery.body),
  };
}
