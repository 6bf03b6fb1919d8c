// Sandbox mode: the bundled fake of SendZen and Sinch runs in the gateway's process, and every
// upstream points at it. Only configuration differs from live mode; the client code path,
// timeouts and retries included, is the same.

import { type FakeUpstreams, startFakeUpstreams } from '../mocks/serve.ts';
import type { Config, UpstreamsConfig } from './config.ts';

export function sandboxUpstreams(fake: FakeUpstreams): UpstreamsConfig {
  return {
    sendzen: { baseUrl: fake.urls.sendzen, partnerApiKey: fake.credentials.sendzenPartnerKey },
    sinch: {
      authMode: 'oauth2',
      authBaseUrl: fake.urls.sinchAuth,
      subprojectsBaseUrl: fake.urls.subprojects,
      provisioningBaseUrl: fake.urls.provisioning,
      conversationBaseUrlTemplate: `${fake.url}/sinch/conversation/{region}`,
      projectId: fake.credentials.sinchProjectId,
      keyId: fake.credentials.sinchKeyId,
      keySecret: fake.credentials.sinchKeySecret,
    },
  };
}

export async function startSandboxUpstreams(
  config: Config,
): Promise<{ fake: FakeUpstreams; config: Config }> {
  if (!config.sandbox) throw new Error('not in sandbox mode');
  const fake = await startFakeUpstreams({
    port: config.sandbox.port,
    host: '127.0.0.1',
    senderActivationMs: config.sandbox.senderActivationMs,
    log: false,
  });
  return { fake, config: Object.freeze({ ...config, upstreams: sandboxUpstreams(fake) }) };
}
