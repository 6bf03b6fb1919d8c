// The fake's stand-in for Meta's half of Embedded Signup, on its own port: the SDK a vendor's page
// loads, the signup window it opens, and the code that window hands over, which the fake Sinch
// sender create then accepts once. The page in a real browser is the demo's browser test; here the
// SDK runs in a node:vm with a scripted window, so its popup and message handling are checked too.
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { freePort } from '../support/child-gateway.ts';
import { call, control, type Loose, sinchToken, sleep, startFake } from './helpers.ts';

let fake: FakeUpstreams;
let metaPort: number;
let auth: string;

beforeAll(async () => {
  metaPort = await freePort();
  fake = await startFake({ metaPort });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  auth = `Bearer ${await sinchToken(fake)}`;
});

const senders = () =>
  `${fake.urls.provisioning}/v1/projects/${fake.credentials.sinchProjectId}/whatsapp/senders`;
const issue = (body: unknown) => call('POST', `${fake.urls.meta}/signup/code`, { body });

/** The scripts a page holds, so a syntax error in one fails here rather than in a browser. */
function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

describe('the Meta stand-in origin', () => {
  it('is a port of its own, serving only the SDK and the signup window', async () => {
    expect(fake.urls.meta).toBe(`http://127.0.0.1:${metaPort}`);
    const origins = [fake.url, fake.urls.sendzenIframe, fake.urls.meta].map(
      (u) => new URL(u).origin,
    );
    expect(new Set(origins).size).toBe(3);
    expect((await control(fake, 'GET', '')).body.urls.meta).toBe(fake.urls.meta);

    for (const path of [
      '/',
      '/_sandbox',
      '/sendzen/onboard/iframe',
      '/sdk.js/x',
      '/signup/other',
    ]) {
      const answer = await call('GET', `${fake.urls.meta}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.text).toMatch(/stand-in for Meta/);
    }
    // Nor does the main port serve the stand-in.
    for (const path of ['/sdk.js', '/signup']) {
      expect((await call('GET', `${fake.url}${path}`)).status, path).toBe(404);
    }
  });

  it('serves the signup window: labelled, one button per event, random numeric ids prefilled', async () => {
    const answer = await call(
      'GET',
      `${fake.urls.meta}/signup?app_id=1234567890&config_id=<cfg>&feature_type=only_waba_sharing`,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/Sandbox stand-in for Meta/);
    for (const event of [
      'FINISH',
      'FINISH_ONLY_WABA',
      'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
      'CANCEL',
      'ERROR',
    ]) {
      expect(answer.text).toContain(`data-event="${event}"`);
    }
    expect(answer.text).toMatch(/id="waba-id"[^>]*value="[1-9]\d{14}"/);
    expect(answer.text).toMatch(/id="phone-number-id"[^>]*value="[1-9]\d{14}"/);
    expect(answer.text).toContain('&lt;cfg&gt;');
    expect(answer.text).not.toContain('<cfg>');
    for (const step of ['BUSINESS_ACCOUNT_SELECTION', 'PHONE_NUMBER_VERIFICATION']) {
      expect(answer.text).toContain(`<option value="${step}">`);
    }
    const scripts = inlineScripts(answer.text);
    expect(scripts).toHaveLength(1);
    expect(() => new Function(scripts[0]!)).not.toThrow();
  });
});

/** A window just enough for the SDK: what it opens, what it listens to, and the user's gesture. */
function scriptedWindow(options: { gesture?: boolean; popupBlocked?: boolean } = {}) {
  const listeners: ((event: unknown) => void)[] = [];
  const opened: { url: string; name: string; features: string }[] = [];
  const popup = { closed: false, close: () => {} };
  let asyncInits = 0;
  const window: Loose = {
    screenX: 0,
    screenY: 0,
    outerWidth: 1200,
    outerHeight: 900,
    fbAsyncInit: () => {
      asyncInits++;
    },
    addEventListener: (type: string, listener: (event: unknown) => void) => {
      if (type === 'message') listeners.push(listener);
    },
    removeEventListener: (_type: string, listener: (event: unknown) => void) => {
      listeners.splice(listeners.indexOf(listener), 1);
    },
    open: (url: string, name: string, features: string) => {
      opened.push({ url, name, features });
      return options.popupBlocked ? null : popup;
    },
  };
  const context = {
    window,
    navigator: { userActivation: { isActive: options.gesture ?? true } },
    console: { error: () => {} },
    URLSearchParams,
    setTimeout,
    setInterval,
    clearInterval,
  };
  return {
    context,
    FB: () => window.FB,
    opened,
    popup,
    asyncInits: () => asyncInits,
    listening: () => listeners.length,
    post: (event: unknown) => {
      for (const listener of [...listeners]) listener(event);
    },
  };
}

describe('the SDK (sdk.js)', () => {
  let sdk: string;
  beforeAll(async () => {
    const answer = await call('GET', `${fake.urls.meta}/sdk.js`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/javascript/);
    sdk = answer.text;
  });

  function load(options?: Parameters<typeof scriptedWindow>[0]) {
    const page = scriptedWindow(options);
    runInNewContext(sdk, page.context);
    page.FB().init({ appId: '1234567890', version: 'v23.0' });
    return page;
  }

  const embeddedSignup = {
    config_id: '987654321',
    response_type: 'code',
    override_default_response_type: true,
    extras: { setup: {}, featureType: 'whatsapp_business_app_onboarding', sessionInfoVersion: '3' },
  };

  const loginResult = (page: ReturnType<typeof load>) =>
    new Promise<Loose>((resolve) => page.FB().login(resolve, embeddedSignup));

  it('is valid JavaScript that defines FB and calls fbAsyncInit once', () => {
    expect(() => new Function(sdk)).not.toThrow();
    const page = scriptedWindow();
    runInNewContext(sdk, page.context);
    runInNewContext(sdk, page.context);
    expect(Object.keys(page.FB())).toEqual(
      expect.arrayContaining(['init', 'login', 'getLoginStatus']),
    );
    expect(page.asyncInits()).toBe(1);
  });

  it('opens the named signup popup with the app, configuration and feature type', async () => {
    const page = load();
    const result = loginResult(page);
    expect(page.opened).toHaveLength(1);
    const { url, name, features } = page.opened[0]!;
    const opened = new URL(url);
    expect(opened.origin).toBe(fake.urls.meta);
    expect(opened.pathname).toBe('/signup');
    expect(Object.fromEntries(opened.searchParams)).toMatchObject({
      app_id: '1234567890',
      config_id: '987654321',
      feature_type: 'whatsapp_business_app_onboarding',
      response_type: 'code',
    });
    expect(name).toBeTruthy();
    expect(features).toMatch(/width=600,height=679/);
    // The window it opened answers.
    expect((await call('GET', url)).status).toBe(200);

    // Meta's own message is for the page; only the stand-in's login result, from the popup and
    // the stand-in's origin, reaches the callback.
    const login = {
      type: 'FB_STANDIN_LOGIN',
      authResponse: { code: 'AQcode' },
      status: 'connected',
    };
    const forged = { ...login, authResponse: { code: 'forged' } };
    page.post({ origin: 'https://evil.example', source: page.popup, data: forged });
    page.post({ origin: fake.urls.meta, source: {}, data: forged });
    page.post({
      origin: fake.urls.meta,
      source: page.popup,
      data: JSON.stringify({ type: 'WA_EMBEDDED_SIGNUP', event: 'FINISH', data: {}, version: 3 }),
    });
    page.post({ origin: fake.urls.meta, source: page.popup, data: login });
    expect(await result).toEqual({ authResponse: { code: 'AQcode' }, status: 'connected' });
    expect(page.listening()).toBe(0);
  });

  it('answers unknown when the popup is closed without a choice, blocked, or opened without a gesture', async () => {
    const closed = load();
    const result = loginResult(closed);
    closed.popup.closed = true;
    expect(await result).toEqual({ authResponse: null, status: 'unknown' });

    const cancelled = load();
    const cancelledResult = loginResult(cancelled);
    cancelled.post({
      origin: fake.urls.meta,
      source: cancelled.popup,
      data: { type: 'FB_STANDIN_LOGIN', authResponse: null, status: 'unknown' },
    });
    expect(await cancelledResult).toEqual({ authResponse: null, status: 'unknown' });

    const blocked = load({ popupBlocked: true });
    expect(await loginResult(blocked)).toEqual({ authResponse: null, status: 'unknown' });

    const noGesture = load({ gesture: false });
    expect(await loginResult(noGesture)).toEqual({ authResponse: null, status: 'unknown' });
    expect(noGesture.opened).toEqual([]);

    const status = await new Promise((resolve) => load().FB().getLoginStatus(resolve));
    expect(status).toEqual({ authResponse: null, status: 'unknown' });
  });
});

describe('the code the signup window hands over', () => {
  it('issues a FINISH code that the fake Sinch accepts once for its WABA and number', async () => {
    const answer = await issue({
      event: 'FINISH',
      wabaId: '524126980791429',
      phoneNumberId: '106540352242922',
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      code: expect.stringMatching(/^AQ/),
      wabaId: '524126980791429',
      phoneNumberId: '106540352242922',
      businessId: expect.stringMatching(/^[1-9]\d{15}$/),
      expiresAt: expect.any(String),
    });
    const { code, wabaId, phoneNumberId } = answer.body;
    const body = { wabaId, phoneNumberId, authenticationCode: code };
    const created = await call('POST', senders(), { auth, body });
    expect(created.status).toBe(201);

    // A secret: the journal shows the request without it.
    const journal = (await control(fake, 'GET', '/journal?upstream=provisioning')).text;
    expect(journal).not.toContain(code);

    expect((await call('DELETE', `${senders()}/${created.body.id}`, { auth })).status).toBe(204);
    const reused = await call('POST', senders(), { auth, body });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({
      errorCode: 'invalid_facebook_token',
      message: expect.stringMatching(/already been used/),
    });
  });

  it('binds a coexistence code to its number, like FINISH', async () => {
    const { body } = await issue({
      event: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
      wabaId: '524126980791429',
      phoneNumberId: '106540352242923',
    });
    const other = await call('POST', senders(), {
      auth,
      body: {
        wabaId: body.wabaId,
        phoneNumberId: '106540352242924',
        authenticationCode: body.code,
      },
    });
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/not issued for this WABA and phone number/);
  });

  it('binds a WABA-only code to the WABA alone: good for a number of that WABA, not of another', async () => {
    const first = await issue({ event: 'FINISH_ONLY_WABA', wabaId: '524126980791429' });
    expect(first.status).toBe(201);
    expect(first.body.phoneNumberId).toBeNull();
    const elsewhere = await call('POST', senders(), {
      auth,
      body: {
        wabaId: '524126980791430',
        phoneNumberId: '106540352242925',
        authenticationCode: first.body.code,
      },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toMatch(/not issued for this WABA/);
    const added = await call('POST', senders(), {
      auth,
      body: {
        wabaId: '524126980791429',
        phoneNumberId: '106540352242925',
        authenticationCode: first.body.code,
      },
    });
    expect(added.status).toBe(201);

    // The sandbox control issues one too, given a null number.
    const controlled = await control(fake, 'POST', '/meta/codes', { phoneNumberId: null });
    expect(controlled.status).toBe(201);
    expect(controlled.body.phoneNumberId).toBeNull();
  });

  it('refuses bad input with 400 and says which field is wrong', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ event: 'FINISH', wabaId: 'abc', phoneNumberId: '1' }, /wabaId: must be a numeric id/],
      [{ event: 'FINISH', wabaId: '1' }, /phoneNumberId/],
      [{ event: 'FINISH_ONLY_WABA', wabaId: '1', phoneNumberId: '2' }, /phoneNumberId/],
      [{ event: 'CANCEL', wabaId: '1' }, /event/],
      ['{"event":', /not valid JSON/],
    ];
    for (const [body, message] of refusals) {
      const answer = await issue(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        message: expect.stringMatching(message),
      });
    }
  });

  it('issues codes that expire, as Meta does', async () => {
    await control(fake, 'PATCH', '/config', { metaCodeTtlMs: 1 });
    const { body } = await issue({ event: 'FINISH', wabaId: '1', phoneNumberId: '2' });
    await control(fake, 'PATCH', '/config', { metaCodeTtlMs: 30_000 });
    await sleep(5);
    const answer = await call('POST', senders(), {
      auth,
      body: { wabaId: '1', phoneNumberId: '2', authenticationCode: body.code },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/expired/);
  });
});
