// The steps' names, in the order they run and are shown. Their definitions are in plan.ts (keyed
// by these names, so the compiler holds the two together); this list stands apart so that the
// stored tables can name the type without importing the plan and everything it runs.
export const STEP_NAMES = [
  'SENDZEN_PROJECT',
  'SINCH_SUBPROJECT',
  'PROVISIONING_WEBHOOK',
  'CUSTOMER_SIGNUP',
  'WHATSAPP_SENDER',
  'CONVERSATION_APP',
  'APP_WEBHOOK',
  'APP_CHANNEL',
] as const;
export type StepName = (typeof STEP_NAMES)[number];
