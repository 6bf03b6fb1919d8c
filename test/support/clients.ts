// Every Sinch client wired to one running sandbox, the way the gateway wires them to the real hosts.
import type { TransportTuning } from '../../src/upstreams/http.ts';
import { createSinchAuth, type SinchAuthMode } from '../../src/upstreams/sinch/auth.ts';
import { SinchConversationClient } from '../../src/upstreams/sinch/conversation.ts';
import { SinchProvisioningClient } from '../../src/upstreams/sinch/provisioning.ts';
import { SinchSubprojectsClient } from '../../src/upstreams/sinch/subprojects.ts';
import type { Sandbox } from './fake.ts';

export function sinchClients(
  sandbox: Sandbox,
  tuning: TransportTuning,
  mode: SinchAuthMode = 'oauth2',
) {
  const auth = createSinchAuth({
    mode,
    keyId: sandbox.credentials.sinchKeyId,
    keySecret: sandbox.credentials.sinchKeySecret,
    authBaseUrl: sandbox.urls.sinchAuth,
    pools: tuning.pools,
    timeouts: tuning.timeouts,
  });
  return {
    auth,
    subprojects: new SinchSubprojectsClient({
      ...tuning,
      baseUrl: sandbox.urls.subprojects,
      parentProjectId: sandbox.credentials.sinchProjectId,
      auth,
    }),
    provisioning: new SinchProvisioningClient({
      ...tuning,
      baseUrl: sandbox.urls.provisioning,
      auth,
    }),
    conversation: new SinchConversationClient({
      ...tuning,
      baseUrlTemplate: `${sandbox.url}/sinch/conversation/{region}`,
      auth,
    }),
  };
}
