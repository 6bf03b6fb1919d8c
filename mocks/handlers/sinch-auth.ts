// Sinch OAuth2 client-credentials endpoint (contracts B.1). Tokens are opaque random strings the
// fake remembers with their expiry, so an expired or made-up token is refused by the APIs.
import { type HttpHandler, HttpResponse, http } from 'msw';
import { tokenResponseSchema } from '../../src/upstreams/sinch/contract.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { conform } from './conform.ts';
import { oauthError, TOKEN_CHALLENGE } from './error-bodies.ts';
import { isSandboxKey, parseBasic } from './sinch-credentials.ts';

export function createSinchAuthHandlers(sandbox: SandboxState): HttpHandler[] {
  return [
    http.post('/sinch/auth/oauth2/token', async ({ request }) => {
      if (!isSandboxKey(sandbox, parseBasic(request.headers.get('authorization')))) {
        return oauthError(401, 'invalid_client', 'Client authentication failed.', {
          'www-authenticate': TOKEN_CHALLENGE,
        });
      }
      const form = new URLSearchParams(await request.text());
      const grantType = form.get('grant_type');
      if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required.');
      if (grantType !== 'client_credentials') {
        return oauthError(
          400,
          'unsupported_grant_type',
          `grant_type ${grantType} is not supported.`,
        );
      }

      const ttl = sandbox.config.tokenTtlSeconds;
      const accessToken = sandbox.ids.token(64);
      sandbox.secrets.remember(accessToken);
      await sandbox.db.accessTokens.create({
        access_token: accessToken,
        expiresAt: Date.now() + ttl * 1000,
      });
      return HttpResponse.json(
        conform(tokenResponseSchema, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: ttl,
          scope: '',
        }),
        { headers: { 'cache-control': 'no-store' } },
      );
    }),
  ];
}
