import { builder } from '../schema/builder.ts';
import { EventEndpointRef } from '../schema/event-endpoint.ts';
import { EventEndpointNotFoundError } from '../vendor-events/endpoints.ts';

builder.mutationField('deleteEventEndpoint', (t) =>
  t.field({
    type: EventEndpointRef,
    description:
      'Deletes an event endpoint: it receives nothing more, and its pending deliveries become FAILED. It stays listed, with `disabledAt`, beside its deliveries. Admin keys only.',
    authScopes: { admin: true },
    errors: {
      types: [EventEndpointNotFoundError],
      union: { name: 'DeleteEventEndpointResult' },
      result: { name: 'DeleteEventEndpointSuccess' },
      dataField: { name: 'endpoint' },
    },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.eventEndpoints.delete(String(args.id)),
  }),
);
