// What a reported sender means for the onboarding, per the contract (contracts D.4, D.7).
import { describe, expect, it } from 'vitest';
import type { SenderRow } from '../../src/db/schema.ts';
import { senderState, senderVerdict } from '../../src/onboarding/sender-state.ts';
import type { Sender } from '../../src/upstreams/sinch/contract.ts';

const sender = (fields: Partial<Sender>): Sender => ({
  id: 's1',
  region: 'US',
  metaLocalStorage: 'US',
  cloudApi: true,
  businessManager: 'SINCH_US',
  compatibleRegions: ['us'],
  ...fields,
});

const row = (fields: Partial<SenderRow>) =>
  ({
    state: 'IN_PROGRESS',
    errorCode: null,
    errorReason: null,
    bearerTokenSealed: null,
    ...fields,
  }) as SenderRow;

describe('senderState', () => {
  it('reads REJECTED from the pending change of a sender not yet live (state has no REJECTED)', () => {
    expect(senderState(sender({ state: 'IN_PROGRESS', changes: { status: 'REJECTED' } }))).toBe(
      'REJECTED',
    );
    expect(senderState(sender({ changes: { status: 'REJECTED' } }))).toBe('REJECTED');
    expect(
      senderState(sender({ state: 'PENDING_VERIFICATION', changes: { status: 'ERROR' } })),
    ).toBe('ERROR');
  });

  it('keeps a live sender live when a later change of its details is rejected', () => {
    expect(senderState(sender({ state: 'ACTIVE', changes: { status: 'REJECTED' } }))).toBe(
      'ACTIVE',
    );
  });

  it('is IN_PROGRESS right after create, and PENDING_VERIFICATION while Meta verifies', () => {
    expect(senderState(sender({ changes: { status: 'IN_PROGRESS' } }))).toBe('IN_PROGRESS');
    expect(
      senderState(sender({ state: 'PENDING_VERIFICATION', changes: { status: 'IN_PROGRESS' } })),
    ).toBe('PENDING_VERIFICATION');
  });
});

describe('senderVerdict', () => {
  it('waits through PENDING_VERIFICATION: it is not a failure', () => {
    expect(senderVerdict(row({ state: 'PENDING_VERIFICATION' }))).toEqual({ status: 'WAITING' });
  });

  it('fails a REJECTED sender with the upstream reason', () => {
    expect(
      senderVerdict(row({ state: 'REJECTED', errorReason: 'Business not verified.' })),
    ).toEqual({
      status: 'FAILED',
      error: {
        upstream: 'sinch-provisioning',
        code: 'REJECTED',
        message: 'Business not verified.',
        retryable: false,
      },
    });
  });

  it('says a retry can help only where a new sender could fare better', () => {
    const retryable = (fields: Partial<SenderRow>) => {
      const verdict = senderVerdict(row(fields));
      return verdict.status === 'FAILED' ? verdict.error.retryable : undefined;
    };
    // Billing, a number held elsewhere, an unverified business: someone must act first.
    expect(retryable({ state: 'ERROR', errorCode: 'NO_PRICING_PLAN' })).toBe(false);
    expect(retryable({ state: 'ERROR', errorCode: 'WABA_CONNECTED_TO_ANOTHER_PROJECT' })).toBe(
      false,
    );
    expect(retryable({ state: 'ERROR', errorCode: 'NOT_VERIFY_BUSINESS_VIA_WHATSAPP' })).toBe(
      false,
    );
    expect(retryable({ state: 'SUSPENDED' })).toBe(false);
    // A hiccup on Sinch's or Meta's side, or a deleted sender: another try may well work.
    expect(retryable({ state: 'ERROR', errorCode: 'CANNOT_REGISTER_TO_CLOUD_API' })).toBe(true);
    expect(retryable({ state: 'ERROR', errorCode: 'UNKNOWN_ERROR' })).toBe(true);
    expect(retryable({ state: 'INACTIVE' })).toBe(true);
  });
});
