import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { call, control, eventually, sandboxBasic, startFake } from './helpers.ts';

let fake: FakeUpstreams;

beforeAll(async () => {
  fake = await startFake({ senderActivationMs: 0 });
});
afterAll(() => fake.close());

/** One pass through both onboardings, returning every id the fake generated. */
async function onboardEverything() {
  const auth = sandboxBasic(fake);
  const sendzen = (
    await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'seeded' },
    })
  ).body;
  const signup = (
    await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'seeded',
      status: 'completed',
    })
  ).body.result;
  const subproject = (
    await call(
      'POST',
      `${fake.urls.subprojects}/v1/projects/${fake.credentials.sinchProjectId}/subprojects`,
      {
        auth,
        body: { displayName: 'Seeded' },
      },
    )
  ).body;
  const senders = `${fake.urls.provisioning}/v1/projects/${subproject.subprojectId}/whatsapp/senders`;
  const created = (
    await call('POST', senders, {
      auth,
      body: { wabaId: signup.waba_id, phoneNumberId: signup.phone_number_id },
    })
  ).body;
  const sender = await eventually(async () => {
    const read = (await call('GET', `${senders}/${created.id}`, { auth })).body;
    return read.bearerToken ? read : undefined;
  });
  const app = (
    await call('POST', `${fake.urls.conversation.us}/v1/projects/${subproject.subprojectId}/apps`, {
      auth,
      body: {
        display_name: 'Seeded',
        channel_credentials: [
          {
            channel: 'WHATSAPP',
            static_bearer: { claimed_identity: sender.id, token: sender.bearerToken },
          },
        ],
      },
    })
  ).body;
  return {
    projectId: sendzen.user_data.project_id,
    apiKey: sendzen.user_data.api_key,
    iframeUrl: sendzen.iframe_url,
    wabaId: signup.waba_id,
    phoneNumberId: signup.phone_number_id,
    subprojectId: subproject.subprojectId,
    senderId: sender.id,
    phoneNumber: sender.phoneNumber,
    bearerToken: sender.bearerToken,
    appId: app.id,
  };
}

describe('the sandbox controls', () => {
  it('describes itself: urls, credentials and config', async () => {
    const answer = await control(fake, 'GET', '');
    expect(answer.body).toEqual({
      urls: fake.urls,
      credentials: fake.credentials,
      config: {
        senderActivationMs: 0,
        subprojectWarmupMs: 0,
        tokenTtlSeconds: 3600,
        iframeTtlMs: 3_600_000,
        metaCodeTtlMs: 30_000,
        callbackRetryDelaysMs: [20, 50],
        deliveryReports: 'normal',
        deliveryReportDelayMs: 300,
      },
    });
    expect(fake.urls.provisioning).toBe(`${fake.url}/sinch/provisioning`);
    expect(fake.urls.conversation.eu).toBe(`${fake.url}/sinch/conversation/eu`);
  });

  it('gives the same ids for the same seed and calls, and other ids for another seed', async () => {
    await control(fake, 'POST', '/reset', { seed: 'qa-42' });
    const first = await onboardEverything();
    await control(fake, 'POST', '/reset', { seed: 'qa-42' });
    const second = await onboardEverything();
    expect(second).toEqual(first);
    expect(first.subprojectId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    await control(fake, 'POST', '/reset', { seed: 'qa-43' });
    const other = await onboardEverything();
    expect(other.subprojectId).not.toBe(first.subprojectId);
    expect(other.apiKey).not.toBe(first.apiKey);
  });

  it('forgets every record, fault, scripted outcome and journal entry on reset', async () => {
    await control(fake, 'POST', '/reset');
    await onboardEverything();
    await control(fake, 'POST', '/faults', { upstream: 'sendzen', kind: 'status', times: 5 });
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ERROR' });
    expect((await control(fake, 'GET', '/state')).body.counts.subprojects).toBe(1);

    expect((await control(fake, 'POST', '/reset')).status).toBe(200);
    const state = (await control(fake, 'GET', '/state')).body;
    expect(Object.values(state.counts).every((n) => n === 0)).toBe(true);
    expect(state.faults).toBe(0);
    expect(state.scriptedSenderOutcomes).toBe(0);
    expect((await control(fake, 'GET', '/journal')).body.entries).toEqual([]);
    expect((await control(fake, 'GET', '/reset')).status).toBe(404);
  });

  it('shows every collection in the state dump, with secrets redacted', async () => {
    await control(fake, 'POST', '/reset');
    const ids = await onboardEverything();
    const state = (await control(fake, 'GET', '/state')).body;
    expect(state.counts).toMatchObject({
      sendzenProjects: 1,
      subprojects: 1,
      senders: 1,
      conversationApps: 1,
      provisioningWebhooks: 0,
    });
    expect(state.records.senders[0]).toMatchObject({ id: ids.senderId, bearerToken: '[REDACTED]' });
    expect(state.records.sendzenProjects[0].api_key).toBe('[REDACTED]');
  });

  it('changes the config and refuses values it cannot use', async () => {
    const changed = await control(fake, 'PATCH', '/config', { tokenTtlSeconds: 60 });
    expect(changed.status).toBe(200);
    expect(changed.body.tokenTtlSeconds).toBe(60);
    for (const body of [
      { tokenTtlSeconds: 0 },
      { senderActivationMs: -1 },
      { colour: 'red' },
      'x',
    ]) {
      const refused = await control(fake, 'PATCH', '/config', body);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    }
    await control(fake, 'PATCH', '/config', { tokenTtlSeconds: 3600 });
  });

  it('lists and clears scripted sender outcomes, refusing error details on ACTIVE', async () => {
    await control(fake, 'POST', '/reset');
    const queued = await control(fake, 'POST', '/sinch/sender-outcomes', {
      state: 'ERROR',
      errorCode: 'CANNOT_REGISTER_TO_CLOUD_API',
      afterMs: 5,
    });
    expect(queued.status).toBe(201);
    expect((await control(fake, 'GET', '/sinch/sender-outcomes')).body.outcomes).toEqual([
      { state: 'ERROR', errorCode: 'CANNOT_REGISTER_TO_CLOUD_API', afterMs: 5 },
    ]);
    expect(
      (
        await control(fake, 'POST', '/sinch/sender-outcomes', {
          state: 'ACTIVE',
          errorCode: 'UNKNOWN_ERROR',
        })
      ).status,
    ).toBe(400);
    expect(
      (await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ERROR', errorCode: 'NOPE' }))
        .status,
    ).toBe(400);
    expect((await control(fake, 'DELETE', '/sinch/sender-outcomes')).status).toBe(204);
    expect((await control(fake, 'GET', '/sinch/sender-outcomes')).body.outcomes).toEqual([]);
  });

  it('answers 404 for an unknown control and an unknown sender', async () => {
    const unknown = await control(fake, 'GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const sender = await control(fake, 'POST', '/sinch/senders/nobody/state', { state: 'ACTIVE' });
    expect(sender.status).toBe(404);
  });
});

describe('scenario controls', () => {
  it('list the catalogue, choose one per customer, and refuse what is not in it', async () => {
    const catalogue = (await control(fake, 'GET', '/scenarios')).body;
    const names = catalogue.scenarios.map((s: { name: string }) => s.name);
    expect(names).toContain('rejected');
    const senderError = catalogue.scenarios.find(
      (s: { name: string }) => s.name === 'sender-error',
    );
    expect(senderError.errorCodes).toContain('NO_PRICING_PLAN');

    const chosen = await control(fake, 'POST', '/scenarios', {
      clientIdentifier: 'scenario-customer',
      scenario: 'sender-error:NO_PROJECT_ID',
      params: { delayMs: 10 },
    });
    expect(chosen.status).toBe(201);
    expect(chosen.body).toMatchObject({
      scenario: 'sender-error:NO_PROJECT_ID',
      params: { errorCode: 'NO_PROJECT_ID', delayMs: 10 },
      subprojectId: null,
    });
    expect((await control(fake, 'GET', '/scenarios')).body.chosen).toContainEqual(
      expect.objectContaining({ clientIdentifier: 'scenario-customer' }),
    );

    for (const bad of [
      { clientIdentifier: 'x', scenario: 'nope' },
      { clientIdentifier: 'x', scenario: 'happy:NO_PROJECT_ID' },
      { clientIdentifier: 'x', scenario: 'happy', params: { delayMs: -1 } },
      { scenario: 'happy' },
    ]) {
      expect((await control(fake, 'POST', '/scenarios', bad)).status).toBe(400);
    }
  });

  it('a signup control without a status does what the customer’s scenario says', async () => {
    const onboarded = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'cancelling-customer' },
    });
    expect(onboarded.status).toBe(200);
    await control(fake, 'POST', '/scenarios', {
      clientIdentifier: 'cancelling-customer',
      scenario: 'customer-cancels',
    });
    const played = await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'cancelling-customer',
    });
    expect(played.body.result).toMatchObject({ status: 'failed' });
    const closed = await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'cancelling-customer',
      action: 'close',
    });
    expect(closed.body).toEqual({ result: null });
  });
});
