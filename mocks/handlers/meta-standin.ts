// What the stand-in for Meta's Embedded Signup answers on its own port (sandbox/meta-standin.ts
// says why and how it differs from Meta): the SDK, the signup window, and the code the window
// hands to FB.login's callback.
import { type HttpHandler, HttpResponse, http } from 'msw';
import { z } from 'zod';
import { issueMetaCode, numericIdSchema } from '../sandbox/meta-codes.ts';
import {
  META_SDK_PATH,
  META_SIGNUP_CODE_PATH,
  META_SIGNUP_PATH,
  renderMetaSdk,
  renderMetaSignupWindow,
} from '../sandbox/meta-standin.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { parseJsonBody, problemText } from './request-body.ts';

/** A code for what the customer shared: the WABA and a number, or (FINISH_ONLY_WABA) the WABA only. */
export const signupCodeRequestSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('FINISH_ONLY_WABA'), wabaId: numericIdSchema }).strict(),
  z
    .object({
      event: z.enum(['FINISH', 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING']),
      wabaId: numericIdSchema,
      phoneNumberId: numericIdSchema,
    })
    .strict(),
]);

const NO_STORE = { 'cache-control': 'no-store' };

export function createMetaStandInHandlers(sandbox: SandboxState): HttpHandler[] {
  return [
    // The SDK names its own origin, as the browser reached it, for the popup and the origin check.
    http.get(META_SDK_PATH, ({ request }) =>
      HttpResponse.text(renderMetaSdk(new URL(request.url).origin), {
        headers: { ...NO_STORE, 'content-type': 'text/javascript; charset=utf-8' },
      }),
    ),

    http.get(META_SIGNUP_PATH, ({ request }) => {
      const query = new URL(request.url).searchParams;
      return HttpResponse.html(
        renderMetaSignupWindow({
          appId: query.get('app_id'),
          configId: query.get('config_id'),
          featureType: query.get('feature_type'),
          wabaId: sandbox.ids.digits(15),
          phoneNumberId: sandbox.ids.digits(15),
        }),
        { headers: NO_STORE },
      );
    }),

    http.post(META_SIGNUP_CODE_PATH, async ({ request }) => {
      const body = await parseJsonBody(request, signupCodeRequestSchema);
      if (!body.ok) {
        return HttpResponse.json(
          { error: 'invalid_request', message: problemText(body.problems) },
          { status: 400, headers: NO_STORE },
        );
      }
      const issued = await issueMetaCode(sandbox, {
        wabaId: body.data.wabaId,
        phoneNumberId: 'phoneNumberId' in body.data ? body.data.phoneNumberId : null,
      });
      return HttpResponse.json(
        {
          code: issued.code,
          wabaId: issued.wabaId,
          phoneNumberId: issued.phoneNumberId,
          // The customer's Meta business portfolio: Sinch is never told it, so it is not kept.
          businessId: sandbox.ids.digits(16),
          expiresAt: new Date(issued.expiresAt).toISOString(),
        },
        { status: 201, headers: NO_STORE },
      );
    }),
  ];
}
