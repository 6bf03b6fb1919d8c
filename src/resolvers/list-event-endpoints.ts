import { builder } from '../schema/builder.ts';
import { EventEndpointRef } from '../schema/event-endpoint.ts';

builder.queryField('eventEndpoints', (t) =>
  t.field({
    type: [EventEndpointRef],
    description: 'Every event endpoint, deleted ones too, newest first. Admin keys only.',
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.eventEndpoints.list(),
  }),
);
