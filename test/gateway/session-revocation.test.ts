// A browser's session token ends before its hour when the onboarding no longer needs it, or when
// the partner says so: issuing a session with `revokeOthers`, cancelling, and completing each end
// every older token at once, over HTTP, for new WebSocket operations, and on the subscriptions the
// token already holds open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  CancelOnboarding,
  IssueOnboardingSession,
  LookUpOnboarding,
  OnboardCustomer,
  type OnboardingView,
  WatchOnboarding,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

async function onboard(clientIdentifier: string) {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' },
  });
  expect(res.body.errors).toBeUndefined();
  const { onboarding, sessionToken } = res.body.data!.onboardCustomer;
  return { ...onboarding, session: `Bearer ${sessionToken}` };
}

async function issue(id: string, revokeOthers?: boolean) {
  const res = await t.gql(IssueOnboardingSession, { id, revokeOthers });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.issueOnboardingSession;
}

/** What a read with this session answers: the onboarding, or the HTTP status and error code. */
async function readAs(session: string, id: string) {
  const res = await t.gql(LookUpOnboarding, { id }, session);
  if (res.status === 200 && res.body.data?.onboarding) return 'ok';
  return { status: res.status, code: res.body.errors?.[0]?.extensions?.code };
}

const UNAUTHENTICATED = { status: 401, code: 'UNAUTHENTICATED' };
const eventTypes = (o: OnboardingView) => o.events.edges.map((e) => e.node.type);

describe('issueOnboardingSession with revokeOthers', () => {
  it('ends every older token at once: HTTP answers 401, open SSE and WebSocket subscriptions end with UNAUTHENTICATED; the new token works', async () => {
    const o = await onboard('revoke-others');
    const sse = await t.sse(WatchOnboarding, { id: o.id }, o.session);
    const ws = t.ws(WatchOnboarding, { id: o.id }, o.session);
    await sse.waitFor((v) => v.onboardingUpdated.id === o.id);
    await ws.waitFor((v) => v.onboardingUpdated.id === o.id);
    expect(await readAs(o.session, o.id)).toBe('ok');

    const fresh = await issue(o.id, true);
    expect(fresh.__typename).toBe('IssueOnboardingSessionSuccess');

    expect(await readAs(o.session, o.id)).toEqual(UNAUTHENTICATED);
    expect(await readAs(`Bearer ${fresh.session!.token}`, o.id)).toBe('ok');
    for (const sub of [sse, ws]) {
      const errors = await sub.waitForErrors();
      expect(JSON.stringify(errors)).toMatch(/UNAUTHENTICATED/);
      expect(JSON.stringify(errors)).toMatch(/session was ended/);
      await sub.ended;
    }
    // Nothing from the revoking change on is shown to the revoked session.
    const revokedAt = fresh.session!.onboarding.version;
    for (const value of [...sse.values, ...ws.values]) {
      expect(value.onboardingUpdated.version).toBeLessThan(revokedAt);
    }
    await ws.close();

    const log = await t.onboarding(o.id);
    expect(eventTypes(log)).toContain('sessions.revoked');
  });

  it('without it, older tokens keep working beside the new one', async () => {
    const o = await onboard('revoke-none');
    const fresh = await issue(o.id);
    expect(await readAs(o.session, o.id)).toBe('ok');
    expect(await readAs(`Bearer ${fresh.session!.token}`, o.id)).toBe('ok');
  });
});

describe('a finished onboarding ends its sessions', () => {
  it('cancelled: the open subscription sees CANCELLED and completes; the token is refused after, and no new session is issued', async () => {
    const o = await onboard('revoke-cancel');
    const sse = await t.sse(WatchOnboarding, { id: o.id }, o.session);
    await sse.waitFor((v) => v.onboardingUpdated.id === o.id);

    const cancelled = await t.gql(CancelOnboarding, { id: o.id });
    expect(cancelled.body.data!.cancelOnboarding.__typename).toBe('CancelOnboardingSuccess');

    await sse.ended;
    expect(sse.values.at(-1)!.onboardingUpdated.status).toBe('CANCELLED');
    expect(sse.errors).toEqual([]);
    expect(await readAs(o.session, o.id)).toEqual(UNAUTHENTICATED);
    expect(await issue(o.id)).toMatchObject({ __typename: 'PreconditionFailed' });
    expect(await issue(o.id, true)).toMatchObject({ __typename: 'PreconditionFailed' });
  });

  it('READY: the open subscription sees READY and completes; the token is refused after, and a session issued now works', async () => {
    const o = await onboard('revoke-ready');
    const sse = await t.sse(WatchOnboarding, { id: o.id }, o.session);
    await sse.waitFor((v) => v.onboardingUpdated.id === o.id);

    await t.sandbox.control('POST', '/sendzen/signups', {
      clientIdentifier: o.clientIdentifier,
      status: 'completed',
    });
    await sse.ended;
    expect(sse.values.at(-1)!.onboardingUpdated.status).toBe('READY');
    expect(sse.errors).toEqual([]);
    expect(await readAs(o.session, o.id)).toEqual(UNAUTHENTICATED);

    const fresh = await issue(o.id);
    expect(await readAs(`Bearer ${fresh.session!.token}`, o.id)).toBe('ok');
  });
});
