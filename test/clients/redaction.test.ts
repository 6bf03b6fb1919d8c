import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/upstreams/http.ts';
import { REDACTED, Redactor, redactFields, redactHeaders } from '../../src/upstreams/redact.ts';
import { SendZenClient } from '../../src/upstreams/sendzen/client.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { until } from '../support/windows.ts';

describe('the redactor', () => {
  it('scrubs remembered secrets and credential-shaped text', () => {
    const redactor = new Redactor();
    redactor.remember('my-client-secret-value');
    expect(redactor.text('refused my-client-secret-value twice')).toBe(`refused ${REDACTED} twice`);
    expect(redactor.text('header was Bearer eyJhbGciOi.abc.def')).toBe(
      `header was Bearer ${REDACTED}`,
    );
    expect(redactor.text('key sk_live_abc123xyz789 is invalid')).toBe(`key ${REDACTED} is invalid`);
  });

  it('keeps short values out of its memory so ordinary words survive', () => {
    const redactor = new Redactor();
    redactor.remember('abc');
    expect(redactor.text('abc is fine')).toBe('abc is fine');
  });

  it('redacts secret headers, keeping the scheme, and secret fields at any depth', () => {
    expect(redactHeaders({ Authorization: 'Bearer xyz', accept: 'application/json' })).toEqual({
      Authorization: `Bearer ${REDACTED}`,
      accept: 'application/json',
    });
    expect(
      redactFields({
        display_name: 'App',
        channel_credentials: [{ static_bearer: { claimed_identity: 'id-1', token: 'tok' } }],
        secret: 's',
      }),
    ).toEqual({
      display_name: 'App',
      channel_credentials: [{ static_bearer: { claimed_identity: 'id-1', token: REDACTED } }],
      secret: REDACTED,
    });
  });
});

describe('upstream calls', () => {
  let sandbox: Sandbox;
  const lines: string[] = [];
  const logger: Logger = {
    debug: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
    warn: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
  };
  const tuning = fastTuning({ logger });

  beforeAll(async () => {
    sandbox = await startSandbox({ senderActivationMs: 0 });
  });
  afterAll(async () => {
    await tuning.pools.close();
    await sandbox.close();
  });

  it('log every attempt, retries included, and no credential in any line', async () => {
    const sendzen = new SendZenClient({
      ...tuning,
      baseUrl: sandbox.urls.sendzen,
      partnerApiKey: sandbox.credentials.sendzenPartnerKey,
    });
    await sandbox.fault({ upstream: '*', kind: 'status', status: 503, times: 2 });
    const onboarding = await sendzen.onboard({ clientIdentifier: 'logged-customer' });
    const sinch = sinchClients(sandbox, tuning);
    const { subprojectId } = await sinch.subprojects.create({ displayName: 'Logged' });
    const sender = await sinch.provisioning.createSender(subprojectId, {
      wabaId: '1',
      phoneNumberId: '999000111222333',
    });
    const active = await until(async () => {
      const now = await sinch.provisioning.getSender(subprojectId, sender.id);
      return now.bearerToken ? now : undefined;
    });
    expect(active.bearerToken).toBeTruthy();

    expect(lines.some((l) => l.includes('"message":"retrying"'))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const log = lines.join('\n');
    for (const secret of [
      sandbox.credentials.sendzenPartnerKey,
      sandbox.credentials.sinchKeySecret,
      onboarding.apiKey,
      active.bearerToken!,
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('keep credentials out of the fake’s journal', async () => {
    const journal = JSON.stringify(await sandbox.journal());
    expect(journal).toContain('Bearer [REDACTED]');
    expect(journal).not.toContain(sandbox.credentials.sendzenPartnerKey);
    expect(journal).not.toContain(sandbox.credentials.sinchKeySecret);
  });
});
