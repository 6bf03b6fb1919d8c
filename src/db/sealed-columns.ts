// Every sealed column, and the kind its seal is bound to: what a key rotation rewrites, in either
// store.
export const SEALED_COLUMNS = {
  onboardings: [
    ['sendzen_api_key_sealed', 'sendzen_api_key'],
    ['sendzen_webhook_token_sealed', 'sendzen_webhook_token'],
    ['provisioning_webhook_secret_sealed', 'provisioning_webhook_secret'],
    ['app_webhook_secret_sealed', 'app_webhook_secret'],
    ['signup_code_sealed', 'signup_code'],
  ],
  senders: [['bearer_token_sealed', 'bearer_token']],
  event_endpoints: [['secret_sealed', 'signing_secret']],
} as const;
