// The only credentials the bundled fake accepts. They are sandbox values, safe to print and to
// commit: nothing outside the fake honours them.
export const SANDBOX_CREDENTIALS = {
  sendzenPartnerKey: 'sz_partner_sandbox_key',
  sinchKeyId: 'sandbox-key-id',
  sinchKeySecret: 'sandbox-key-secret',
  sinchProjectId: 'sandbox-parent-project',
} as const;

/**
 * Plain strings rather than the literal types: callers build variants of these (a wrong secret to
 * test a refusal) and a default parameter typed from a literal would refuse them.
 */
export type SandboxCredentials = Readonly<Record<keyof typeof SANDBOX_CREDENTIALS, string>>;
