// The sandbox's stand-in for Meta's half of Embedded Signup (contracts F), served on a port of its
// own (`urls.meta`, SANDBOX_META_PORT).
//
// Why: in the signup path where the vendor's own page runs Embedded Signup, the page loads Meta's
// JavaScript SDK (https://connect.facebook.net/en_US/sdk.js) and calls FB.login, which opens Meta's
// signup window; that window posts the WA_EMBEDDED_SIGNUP message to the page, and FB.login's
// callback hands it an authorization code that Sinch's sender create verifies. None of that can run
// offline, or without a Meta app and a real business. In the sandbox the page loads
// `${urls.meta}/sdk.js` instead, and everything else on the page stays as it is in production.
//
// What it mimics:
// - `sdk.js` defines `window.FB` with `init(options)`, `login(callback, options)`,
//   `getLoginStatus(callback)` and `logout(callback)`, then calls `window.fbAsyncInit` once, as
//   Meta's SDK does. `FB.login` must run in a user gesture: it opens a named popup sized like
//   Meta's login dialog at `/signup`, carrying the app id given to init, `config_id` and the
//   `featureType` from `extras`. A blocked popup, a call outside a user gesture, a window closed
//   without a choice, CANCEL and ERROR all answer the callback `{authResponse: null, status:
//   'unknown'}`.
// - `/signup` is the signup window: a person (or a browser test, by `data-event`) picks how the
//   signup ends. A FINISH kind gets a real code from the fake (`POST /signup/code`, bound to the
//   WABA and, unless only the WABA was shared, the number: see meta-codes.ts), posts Meta's
//   message to `window.opener` as a JSON string in the contract F.2 shapes with `version: 3`, then
//   the login result, then closes itself. The callback gets `{authResponse: {userID: null,
//   expiresIn: null, code}, status: 'connected'}`, the shape Meta documents for the code flow.
//
// What differs from Meta:
// - The message comes from the stand-in's origin, not from https://www.facebook.com: a page that
//   accepts only origins ending in facebook.com must also accept `urls.meta` in the sandbox.
// - The login result reaches the SDK by a second postMessage of the stand-in's own
//   (`{type: 'FB_STANDIN_LOGIN', authResponse, status}`, checked against the stand-in's origin and
//   the popup), where Meta uses its own channels. Meta's message is always posted first; in
//   reality the two arrive in either order, so a page must still wait for both.
// - A reported error is posted as `event: 'ERROR'` with `{error_message, error_id, session_id,
//   timestamp}`; Meta's current docs send those fields under `event: 'CANCEL'` (contracts F.2,
//   gap 16), so a page should treat both as a failed signup.
// - No Facebook login, no permissions screen, no session: getLoginStatus always answers 'unknown'.
//   Ids are whatever the person leaves in the inputs (random 15-digit ones by default); the code
//   lives `metaCodeTtlMs` (30 s by default, like Meta's) and is good once.
import { escapeHtml, scriptJson } from '../../src/html.ts';
import { PAGE_STYLE } from './iframe.ts';

export const META_SDK_PATH = '/sdk.js';
export const META_SIGNUP_PATH = '/signup';
export const META_SIGNUP_CODE_PATH = '/signup/code';

/** The events the signup window offers, one button each (contracts F.2). */
export const FINISH_EVENTS = [
  'FINISH',
  'FINISH_ONLY_WABA',
  'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
] as const;
export type FinishEvent = (typeof FINISH_EVENTS)[number];

/** Where a customer may leave Meta's flow; sent as CANCEL's `current_step`. */
export const CANCEL_STEPS = [
  'BUSINESS_ACCOUNT_SELECTION',
  'WABA_SELECTION',
  'PHONE_NUMBER_SETUP',
  'PHONE_NUMBER_VERIFICATION',
] as const;

/** The stand-in's own message carrying FB.login's result from the window to the SDK. */
const LOGIN_MESSAGE_TYPE = 'FB_STANDIN_LOGIN';

/** Meta's login dialog size. */
const POPUP = { name: 'fb_embedded_signup_standin', width: 600, height: 679 };

/**
 * How long the SDK waits, once it sees the window closed, for a result posted just before the
 * close: the message and the closing are separate tasks whose order the browser does not promise.
 */
const CLOSED_GRACE_MS = 300;

/** How long the window stays after posting, so a person sees what it sent. */
const CLOSE_AFTER_MS = 200;

/** The SDK's source; `origin` is the stand-in's, as the browser reached it. */
export function renderMetaSdk(origin: string): string {
  return `/* Sandbox stand-in for Meta's JavaScript SDK (connect.facebook.net/en_US/sdk.js), served by
   the gateway's bundled fake. It supports what Embedded Signup needs: FB.init, FB.login,
   FB.getLoginStatus, FB.logout. It talks to no Meta server. */
(function () {
  'use strict';
  if (window.FB && window.FB.__sandboxStandIn) return;
  var ORIGIN = ${scriptJson(origin)};
  var SIGNUP_URL = ORIGIN + ${scriptJson(META_SIGNUP_PATH)};
  var LOGIN_MESSAGE_TYPE = ${scriptJson(LOGIN_MESSAGE_TYPE)};
  var POPUP = ${scriptJson(POPUP)};
  var CLOSED_GRACE_MS = ${CLOSED_GRACE_MS};
  var settings = { appId: null, version: null };
  var pending = null;

  function notConnected() {
    return { authResponse: null, status: 'unknown' };
  }

  function later(callback, response) {
    if (typeof callback === 'function') setTimeout(function () { callback(response); }, 0);
  }

  function parse(data) {
    if (typeof data !== 'string') return data;
    try { return JSON.parse(data); } catch (error) { return null; }
  }

  function settle(current, response) {
    if (pending !== current) return;
    pending = null;
    clearInterval(current.poll);
    window.removeEventListener('message', current.onMessage);
    current.callback(response);
  }

  function init(options) {
    options = options || {};
    settings.appId = options.appId === undefined || options.appId === null ? null : String(options.appId);
    settings.version = options.version || null;
    if (!settings.appId) console.error('FB.init: appId is required.');
  }

  function login(callback, options) {
    if (typeof callback !== 'function') {
      throw new TypeError('FB.login: the first argument must be a callback function.');
    }
    options = options || {};
    var extras = options.extras || {};
    if (!settings.appId) console.error('FB.login() called before FB.init().');
    // One signup window at a time: the earlier caller learns its window is gone.
    if (pending) {
      var previous = pending;
      try { previous.popup.close(); } catch (error) { /* already gone */ }
      settle(previous, notConnected());
    }
    // Browsers block a popup opened outside a user gesture, so Meta's FB.login fails there too.
    if (navigator.userActivation && !navigator.userActivation.isActive) {
      console.error('FB.login() must be called from a user gesture (a click): the browser blocks its popup otherwise.');
      later(callback, notConnected());
      return;
    }
    var query = new URLSearchParams();
    if (settings.appId) query.set('app_id', settings.appId);
    if (options.config_id !== undefined) query.set('config_id', String(options.config_id));
    if (extras.featureType) query.set('feature_type', String(extras.featureType));
    if (extras.sessionInfoVersion !== undefined) query.set('session_info_version', String(extras.sessionInfoVersion));
    query.set('response_type', String(options.response_type || 'token'));
    var left = Math.round((window.screenX || 0) + Math.max(0, ((window.outerWidth || POPUP.width) - POPUP.width) / 2));
    var top = Math.round((window.screenY || 0) + Math.max(0, ((window.outerHeight || POPUP.height) - POPUP.height) / 2));
    var popup = window.open(
      SIGNUP_URL + '?' + query.toString(),
      POPUP.name,
      'width=' + POPUP.width + ',height=' + POPUP.height + ',left=' + left + ',top=' + top +
        ',scrollbars=1,resizable=1,toolbar=0,menubar=0,location=1'
    );
    if (!popup) {
      later(callback, notConnected());
      return;
    }
    var current = { popup: popup, callback: callback, poll: 0, onMessage: null };
    current.onMessage = function (event) {
      if (event.origin !== ORIGIN || event.source !== popup) return;
      var message = parse(event.data);
      if (!message || message.type !== LOGIN_MESSAGE_TYPE) return;
      settle(current, message.authResponse
        ? { authResponse: message.authResponse, status: 'connected' }
        : notConnected());
    };
    window.addEventListener('message', current.onMessage);
    current.poll = setInterval(function () {
      if (!popup.closed) return;
      clearInterval(current.poll);
      setTimeout(function () { settle(current, notConnected()); }, CLOSED_GRACE_MS);
    }, 250);
    pending = current;
  }

  window.FB = {
    __sandboxStandIn: true,
    init: init,
    login: login,
    getLoginStatus: function (callback) { later(callback, notConnected()); },
    logout: function (callback) { later(callback, notConnected()); }
  };
  if (typeof window.fbAsyncInit === 'function' && !window.fbAsyncInit.hasRun) {
    window.fbAsyncInit.hasRun = true;
    window.fbAsyncInit();
  }
})();
`;
}

export interface MetaSignupWindow {
  appId: string | null;
  configId: string | null;
  featureType: string | null;
  /** Prefilled ids: random, numeric, 15 digits like Meta's. */
  wabaId: string;
  phoneNumberId: string;
}

const EXTRA_STYLE = `
  label { display: block; margin-top: 0.75rem; font-size: 0.9rem; color: #5b6b7b; }
  input, select { box-sizing: border-box; width: 100%; margin-top: 0.25rem; padding: 0.45rem;
                  border: 1px solid #c9d2dc; border-radius: 6px; font: inherit; }
  fieldset { margin-top: 1rem; border: 1px solid #e3e8ee; border-radius: 8px; }
  pre { overflow-x: auto; font-size: 0.8rem; background: #f4f6f8; padding: 0.5rem; }
  .badge.meta { background: #e7f0ff; color: #1b4fa0; }
`;

const FEATURE_TYPES: Record<string, string> = {
  only_waba_sharing: 'only_waba_sharing (the page expects FINISH_ONLY_WABA)',
  whatsapp_business_app_onboarding:
    'whatsapp_business_app_onboarding (the page expects FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING)',
};

export function renderMetaSignupWindow(page: MetaSignupWindow): string {
  const shown = (value: string | null) => (value ? escapeHtml(value) : '<em>not given</em>');
  const feature = page.featureType
    ? escapeHtml(FEATURE_TYPES[page.featureType] ?? page.featureType)
    : '<em>none (FINISH)</em>';
  const steps = CANCEL_STEPS.map((s) => `<option value="${s}">${s}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox stand-in for Meta Embedded Signup</title>
<style>${PAGE_STYLE}${EXTRA_STYLE}</style>
</head>
<body>
<main>
<p class="badge meta">Sandbox stand-in for Meta</p>
<h1>Meta Embedded Signup (sandbox stand-in)</h1>
<p>This window plays Meta's signup for the customer. Nothing reaches Meta: choose how the signup
ends, and the page that opened this window receives what Meta would send it.</p>
<dl>
<dt>App id</dt><dd id="app-id">${shown(page.appId)}</dd>
<dt>Configuration</dt><dd id="config-id">${shown(page.configId)}</dd>
<dt>Feature type</dt><dd id="feature-type">${feature}</dd>
</dl>
<label>WhatsApp Business Account id (WABA)
<input id="waba-id" name="wabaId" inputmode="numeric" value="${escapeHtml(page.wabaId)}"></label>
<label>Phone number id
<input id="phone-number-id" name="phoneNumberId" inputmode="numeric" value="${escapeHtml(page.phoneNumberId)}"></label>
<div class="actions">
<button type="button" data-event="FINISH">Finish: WABA and phone number</button>
<button type="button" data-event="FINISH_ONLY_WABA">Finish: WABA only</button>
<button type="button" data-event="FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING">Finish: WhatsApp Business app number (coexistence)</button>
</div>
<fieldset>
<legend>Leave the signup</legend>
<label>Step the customer left at
<select id="current-step">${steps}</select></label>
<div class="actions"><button type="button" class="secondary" data-event="CANCEL">Cancel</button></div>
<label>Error the customer reports
<input id="error-message" value="An error occurred while connecting the WhatsApp Business Account."></label>
<div class="actions"><button type="button" class="secondary" data-event="ERROR">Report an error</button></div>
</fieldset>
<p id="status" role="status" aria-live="polite"></p>
<pre id="message" hidden></pre>
<script>
(function () {
  var codePath = ${scriptJson(META_SIGNUP_CODE_PATH)};
  var loginMessageType = ${scriptJson(LOGIN_MESSAGE_TYPE)};
  var closeAfterMs = ${CLOSE_AFTER_MS};
  var status = document.getElementById('status');
  var shown = document.getElementById('message');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-event]'));
  function value(id) { return document.getElementById(id).value.trim(); }
  function setBusy(busy) { buttons.forEach(function (b) { b.disabled = busy; }); }
  function randomDigits(length) {
    var digits = '';
    var bytes = crypto.getRandomValues(new Uint8Array(length));
    for (var i = 0; i < length; i++) digits += String((i === 0 ? 1 : 0) + (bytes[i] % (i === 0 ? 9 : 10)));
    return digits;
  }
  function randomHex(length) {
    var bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.prototype.map.call(bytes, function (b) { return (b % 16).toString(16); }).join('');
  }
  // Meta posts its message as a JSON string, to any origin.
  function send(event, data, authResponse, outcome) {
    var message = { type: 'WA_EMBEDDED_SIGNUP', event: event, data: data, version: 3 };
    shown.hidden = false;
    shown.textContent = JSON.stringify(message, null, 2);
    status.dataset.outcome = outcome;
    if (!window.opener) {
      status.textContent = 'No page opened this window, so nothing was posted. This is what it would have received:';
      return;
    }
    window.opener.postMessage(JSON.stringify(message), '*');
    window.opener.postMessage(
      { type: loginMessageType, authResponse: authResponse, status: authResponse ? 'connected' : 'unknown' },
      '*'
    );
    status.textContent = 'Sent ' + event + ' to the page. This window closes itself.';
    setTimeout(function () { window.close(); }, closeAfterMs);
  }
  function finish(event) {
    var request = { event: event, wabaId: value('waba-id') };
    if (event !== 'FINISH_ONLY_WABA') request.phoneNumberId = value('phone-number-id');
    setBusy(true);
    status.textContent = 'Getting an authorization code...';
    fetch(codePath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request)
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body.message || 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (issued) {
        var data = event === 'FINISH'
          ? { phone_number_id: issued.phoneNumberId, waba_id: issued.wabaId, business_id: issued.businessId }
          : event === 'FINISH_ONLY_WABA'
            ? { waba_id: issued.wabaId, business_id: issued.businessId }
            : { waba_id: issued.wabaId, phone_number_id: issued.phoneNumberId, business_id: issued.businessId };
        send(event, data, { userID: null, expiresIn: null, code: issued.code }, 'finished');
      })
      .catch(function (error) {
        status.dataset.outcome = 'refused';
        status.textContent = 'No code was issued: ' + error.message;
        setBusy(false);
      });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var event = b.dataset.event;
      if (event === 'CANCEL') {
        setBusy(true);
        send('CANCEL', { current_step: value('current-step') }, null, 'cancelled');
      } else if (event === 'ERROR') {
        setBusy(true);
        send('ERROR', {
          error_message: value('error-message'),
          error_id: randomDigits(6),
          session_id: randomHex(15),
          timestamp: String(Math.floor(Date.now() / 1000))
        }, null, 'error');
      } else {
        finish(event);
      }
    });
  });
})();
</script>
</main>
</body>
</html>`;
}
