import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getNamedType, isObjectType, isScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../../src/graphql-schema.ts';

describe('schema.graphql', () => {
  it('is what the code builds (run `npm run schema` after changing the schema)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../../schema.graphql', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(printedSchema());
  });

  it('has no output field that could carry a secret but the deliberate, guarded ones', () => {
    const suspicious = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => !type.name.startsWith('__'))
      .flatMap((type) =>
        Object.values(type.getFields())
          // A value leaves through a scalar field; object fields only lead to more fields.
          .filter((field) => isScalarType(getNamedType(field.type)))
          .filter((field) =>
            /secret|token|apikey|api_key|password|credential|bearer/i.test(field.name),
          )
          .map((field) => `${type.name}.${field.name}`),
      )
      .sort();
    expect(suspicious).toEqual(
      [
        // Previews (last four characters) and has-flags only:
        'Onboarding.hasSendzenApiKey',
        'Onboarding.sendzenApiKeyPreview',
        'Sender.bearerTokenPreview',
        'Sender.hasBearerToken',
        'ConversationApp.credentialStatus',
        'EventEndpoint.secretPreview',
        // The browser's own one-onboarding credential, handed out to write-scoped keys only:
        'OnboardCustomerPayload.sessionToken',
        'OnboardingSession.token',
        // The one audited reveal, admin keys only:
        'CustomerApiKey.apiKey',
        // An event endpoint's signing secret, once, in createEventEndpoint's answer (admin keys only):
        'CreatedEventEndpoint.secret',
      ].sort(),
    );
  });
});
