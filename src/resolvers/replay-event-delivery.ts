import { builder } from '../schema/builder.ts';
import { EventDeliveryRef } from '../schema/event-endpoint.ts';
import { EventDeliveryNotFoundError } from '../vendor-events/endpoints.ts';

builder.mutationField('replayEventDelivery', (t) =>
  t.field({
    type: EventDeliveryRef,
    description:
      'Sends a delivery again, due now with a fresh retry budget: the same event, body and endpoint (the delivery is reset, not copied; its earlier attempts stay listed). Your backend sees the same `gateway-event-id` again. Admin keys only.',
    authScopes: { admin: true },
    errors: {
      types: [EventDeliveryNotFoundError],
      union: { name: 'ReplayEventDeliveryResult' },
      result: { name: 'ReplayEventDeliverySuccess' },
      dataField: { name: 'delivery' },
    },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.eventEndpoints.replay(String(args.id)),
  }),
);
