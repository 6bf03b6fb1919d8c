// A sender as the Provisioning API shows it (contracts D.5): what GET returns and what a callback
// carries. The project, WABA id and phone number id stay inside the fake: D.5 does not list them.
import type { SenderRecord } from '../data/senders.ts';

export function senderView(sender: SenderRecord, options: { omitState?: boolean } = {}) {
  return {
    id: sender.id,
    ...(options.omitState ? {} : { state: sender.state }),
    ...(sender.changes ? { changes: sender.changes } : {}),
    ...(sender.metadata ? { metadata: sender.metadata } : {}),
    ...(sender.qualityRating ? { qualityRating: sender.qualityRating } : {}),
    region: sender.region,
    metaLocalStorage: sender.metaLocalStorage,
    businessManager: sender.businessManager,
    compatibleRegions: sender.compatibleRegions,
    cloudApi: sender.cloudApi,
    ...(sender.bearerToken ? { bearerToken: sender.bearerToken } : {}),
    numberProvider: 'CUSTOMER',
    countryCode: sender.countryCode,
    phoneNumber: sender.phoneNumber,
    created: sender.created,
    modified: sender.modified,
  };
}
