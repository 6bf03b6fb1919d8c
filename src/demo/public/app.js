// The partner-panel demo: what a vendor's panel does in the browser, the right way round.
//
// - The panel's backend (/demo/api/...) holds the API key. It starts the onboarding and answers
//   with the SendZen iframe URL (or, on Meta's path, the gateway's `metaSignupLaunch`: which SDK,
//   Meta app and configuration) and a session token for that one onboarding; nothing else.
// - With the session token the browser watches the onboarding (GraphQL subscription over SSE) and
//   relays the result the SendZen iframe posts, or Meta's WA_EMBEDDED_SIGNUP message with
//   FB.login's code (after checking where each message came from).
// - Retrying, refreshing the link, adding a number and the list of every onboarding need the API
//   key, so they go through the backend too.
//
// Plain modern JavaScript, no build step, nothing loaded from anywhere but this gateway and, on
// Meta's path, Meta's SDK from where the gateway's configuration says (the fake's stand-in here).

/** The gateway's step order and labels, served by the demo backend (/demo/api/config). */
let stepOrder = [];
/** @type {Record<string, string>} */
let stepLabels = {};
/** @type {Record<string, string>} */
let stepDescriptions = {};

const orderedSteps = (o) =>
  [...o.steps].sort((a, b) => stepOrder.indexOf(a.name) - stepOrder.indexOf(b.name));

/** Renew the iframe link and the session token this long before they expire. */
const REFRESH_MARGIN_MS = 2 * 60 * 1000;
/** Never renew more often than this, whatever the clocks say. */
const MIN_REFRESH_GAP_MS = 10 * 1000;

const WATCH = /* GraphQL */ `
  subscription Watch($id: ID!) {
    onboardingUpdated(id: $id) {
      id version clientIdentifier displayName region status createdAt updatedAt cancelledAt
      signupPath iframeUrl iframeUrlExpiresAt sendzenProjectId subprojectId
      metaSignupLaunch { sdkUrl appId configId solutionId graphApiVersion messageOrigins }
      signup {
        status source wabaId phoneNumberId message awaitingConfirmation
        metaEvent coexistence leftAtStep metaErrorId
      }
      actionRequired { step upstream code message retryable }
      steps {
        name label status attempts startedAt finishedAt updatedAt nextAttemptAt upstreamId
        waitingFor error { upstream code message retryable }
      }
      sender { id state region wabaId phoneNumberId bearerTokenPreview }
      conversationApp { id region displayName credentialStatus }
      webhooks { id target triggers }
      health { state canSend reason whatToDo qualityRating displayNameStatus checkedAt }
      testMessages {
        id to text status sentAt deliveredAt failure { code reason } reply { text at }
      }
      phoneNumbers {
        phoneNumberId first status
        steps { name label status waitingFor error { upstream code message retryable } }
        sender { id state }
      }
    }
  }
`;

const RELAY_META = /* GraphQL */ `
  mutation RelayMeta($input: RelayMetaSignupInput!) {
    relayMetaSignup(input: $input) {
      __typename
      ... on RelayMetaSignupSuccess { onboarding { id status version } }
      ... on Error { message }
    }
  }
`;

const RELAY = /* GraphQL */ `
  mutation Relay($input: RelaySignupResultInput!) {
    relaySignupResult(input: $input) {
      __typename
      ... on RelaySignupResultSuccess { onboarding { id status version } }
      ... on Error { message }
    }
  }
`;

const $ = (selector) => {
  const element = document.querySelector(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
};

/** A DOM element with attributes and children; text is always text, never HTML. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// Every date and time on the page goes through `clock`: one format, local time, 24 hours.
const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const FULL = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'full',
  timeStyle: 'long',
  hourCycle: 'h23',
});

/** "09:41:05" today, "1 Dec 2026, 09:41:05" on another day; the full date and zone on hover. */
function clock(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  const today = DAY.format(d) === DAY.format(new Date());
  return h(
    'time',
    { datetime: iso, title: FULL.format(d) },
    today ? TIME.format(d) : `${DAY.format(d)}, ${TIME.format(d)}`,
  );
}

/** Region codes (the API's US/EU/BR, Sinch's us/eu/br) in words. */
const REGIONS = { US: 'United States', EU: 'Europe', BR: 'Brazil' };
const regionName = (code) => (code ? (REGIONS[String(code).toUpperCase()] ?? code) : null);

/** Status names in words, for badges and the feed's filter. */
const STATUS_WORDS = {
  AWAITING_SIGNUP: 'Awaiting signup',
  AWAITING_PHONE_NUMBER: 'Awaiting a phone number',
  PROVISIONING: 'Provisioning',
  ACTION_REQUIRED: 'Action required',
  READY: 'Ready',
  // After READY: what Sinch reported of the sender since.
  DISPLAY_NAME_IN_REVIEW: 'Ready, display name in review',
  DISPLAY_NAME_REJECTED: 'Display name rejected',
  QUALITY_LOW: 'Quality low',
  CREDENTIAL_REVOKED: 'Credential revoked',
  SENDER_INACTIVE: 'Sender inactive',
  SENDER_SUSPENDED: 'Sender suspended',
  CANCELLED: 'Cancelled',
};

/**
 * READY and what Sinch may report of the sender after it: the channel exists. The first three
 * after READY still send (`health.canSend`); the other three cannot.
 */
const AFTER_READY = new Set([
  'READY',
  'DISPLAY_NAME_IN_REVIEW',
  'DISPLAY_NAME_REJECTED',
  'QUALITY_LOW',
  'CREDENTIAL_REVOKED',
  'SENDER_INACTIVE',
  'SENDER_SUSPENDED',
]);
const STILL_SENDS = new Set(['DISPLAY_NAME_IN_REVIEW', 'DISPLAY_NAME_REJECTED', 'QUALITY_LOW']);

/** Whether the page offers a test message: READY, or a warning state where the channel still sends. */
const canSend = (o) =>
  o.status === 'READY' || (STILL_SENDS.has(o.status) && o.health?.canSend === true);

/** The channel's health states in words: what it means for sending. */
const HEALTH_WORDS = {
  DISPLAY_NAME_IN_REVIEW: 'Meta is reviewing the display name: messages can be sent meanwhile.',
  DISPLAY_NAME_REJECTED: 'Meta rejected the display name: messages still go out.',
  QUALITY_LOW: 'Meta rates the number’s quality low (RED): it may be limited.',
  CREDENTIAL_REVOKED:
    'The app can no longer use the sender’s credential (its token was revoked or replaced): nothing can be sent.',
  SENDER_INACTIVE: 'The WhatsApp sender was deactivated or deleted: nothing can be sent.',
  SENDER_SUSPENDED: 'Meta suspended the number: nothing can be sent.',
};

/** A test message's status in words. */
const MESSAGE_WORDS = {
  SENT: 'Sent: Sinch accepted it',
  QUEUED: 'Queued on WhatsApp',
  DELIVERED: 'Delivered',
  READ: 'Read',
  FAILED: 'Failed',
};

function badge(status, attributes = {}) {
  return h(
    'span',
    { class: `badge ${String(status).toLowerCase()}`, ...attributes },
    STATUS_WORDS[status] ?? String(status).replaceAll('_', ' '),
  );
}

// ---------------------------------------------------------------------------------------------
// Talking to the panel's backend and, with the session token, to the gateway
// ---------------------------------------------------------------------------------------------

/** Server time minus ours, from the backend's answers: expiry times are the server's. */
let clockSkewMs = 0;

async function backend(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (data.serverTime) clockSkewMs = Date.parse(data.serverTime) - Date.now();
  if (!res.ok) {
    // The answer's other fields (an upstream's code, say) let the page say more than the message.
    throw Object.assign(new Error(data.error ?? `The panel's backend answered ${res.status}`), {
      detail: data,
    });
  }
  return data;
}

const serverNow = () => Date.now() + clockSkewMs;

async function gatewayAsSession(token, query, variables) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json().catch(() => ({}));
  if (body.errors?.length) throw new Error(body.errors[0].message);
  if (!res.ok || !body.data) throw new Error(`The gateway answered ${res.status}`);
  return body.data;
}

/** The events of a server-sent events stream read with fetch (EventSource cannot send headers). */
async function* sseEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of frame.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

// ---------------------------------------------------------------------------------------------
// The onboarding this page works on
// ---------------------------------------------------------------------------------------------

let sendzenOrigin = '';

/**
 * @typedef {{
 *   id: string, token: string, tokenExpiresAt: number, onboarding: any, version: number,
 *   stop: AbortController, refreshTimer?: number, lastRefreshAt: number, refreshing: boolean,
 *   watching: boolean, signupPath: string, launch: any, metaAttempt: MetaAttempt | null
 * }} Session
 */

/** @type {Session | null} */
let current = null;

function log(message, kind = 'info') {
  const list = $('#activity');
  const now = new Date(serverNow()).toISOString();
  list.prepend(h('li', { class: kind }, clock(now), ' ', message));
  while (list.children.length > 30) list.lastElementChild?.remove();
}

/** Takes over a session (token and all) from a backend answer and starts watching it. */
function open(answer, note) {
  current?.stop.abort();
  clearTimeout(current?.refreshTimer);
  /** @type {Session} */
  const session = {
    id: answer.onboardingId,
    token: answer.sessionToken,
    tokenExpiresAt: Date.parse(answer.sessionExpiresAt),
    onboarding: null,
    version: 0,
    stop: new AbortController(),
    lastRefreshAt: 0,
    refreshing: false,
    watching: false,
    signupPath: answer.signupPath ?? 'SENDZEN',
    launch: answer.metaSignupLaunch ?? null,
    metaAttempt: null,
  };
  current = session;
  $('#activity').replaceChildren();
  $('#onboarding').hidden = false;
  for (const body of $('#steps-table').querySelectorAll('tbody')) body.remove();
  $('#ready').hidden = true;
  $('#numbers').hidden = true;
  $('#add-number-error').hidden = true;
  $('#send-message-error').hidden = true;
  const messageForm = /** @type {HTMLFormElement} */ ($('#send-message-form'));
  messageForm.reset();
  delete messageForm.dataset.prefilled;
  $('#message-list').replaceChildren();
  $('#action-required').hidden = true;
  $('#cancel-confirm').hidden = true;
  $('#onboarding-actions').hidden = true;
  $('#progress-title').textContent = 'Loading…';
  $('#progress-detail').replaceChildren();
  const status = $('#status');
  status.textContent = '…';
  status.className = 'badge large';
  status.dataset.status = '';
  if (note) log(note);
  showIframe(session, answer.iframeUrl, answer.iframeUrlExpiresAt);
  void watch(session);
  renderFeed();
}

/** Keeps the subscription open: reconnects after a drop, with a fresh token if it expired. */
async function watch(session) {
  const { signal } = session.stop;
  let delay = 500;
  while (!signal.aborted) {
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${session.token}`,
        },
        body: JSON.stringify({ query: WATCH, variables: { id: session.id } }),
        signal,
      });
      if (res.status === 401) {
        // Expired, or ended by the gateway: a finished onboarding ends its sessions, and a
        // cancelled one gets no new session, so there is nothing left to watch.
        if (session.onboarding?.status === 'CANCELLED') {
          setLive('ended');
          log('The onboarding was cancelled, which ended its session: nothing more to watch.');
          return;
        }
        await renew(session, 'the session token expired or was ended');
      } else {
        if (!res.ok || !res.body) throw new Error(`the gateway answered ${res.status}`);
        setLive('live');
        if (!session.watching) log('Watching live: onboardingUpdated with the session token.');
        session.watching = true;
        for await (const { event, data } of sseEvents(res.body)) {
          if (event === 'complete') break;
          const payload = JSON.parse(data);
          if (payload.errors?.length) log(`Subscription: ${payload.errors[0].message}`, 'error');
          if (payload.data?.onboardingUpdated) update(session, payload.data.onboardingUpdated);
          delay = 500;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      log(`The live connection dropped: ${error.message}`, 'error');
    }
    if (signal.aborted) return;
    setLive('reconnecting…');
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

function setLive(text) {
  const live = $('#live');
  live.textContent = text;
  live.classList.toggle('on', text === 'live');
}

function update(session, onboarding) {
  if (session !== current || onboarding.version <= session.version) return;
  const before = session.onboarding;
  session.version = onboarding.version;
  session.onboarding = onboarding;
  session.signupPath = onboarding.signupPath;
  // Null once the signup succeeded; the last one still says whose messages to accept.
  if (onboarding.metaSignupLaunch) session.launch = onboarding.metaSignupLaunch;
  if (before && before.status !== onboarding.status) {
    log(`Status ${before.status} → ${onboarding.status}`);
  }
  render(session);
  scheduleRefresh(session);
}

const stepOf = (onboarding, name) => onboarding?.steps.find((s) => s.name === name);

/** The customer still has the signup to do (or to do again): the iframe is theirs to use. */
function signupOpen(onboarding) {
  if (!onboarding) return true;
  if (onboarding.status === 'CANCELLED') return false;
  return stepOf(onboarding, 'CUSTOMER_SIGNUP')?.status !== 'SUCCEEDED';
}

/**
 * The link is kept fresh while the customer may use it. After a failed signup it is not: a new
 * link would let the customer try again, which is the retry button's decision. Meta's path has
 * no link at all.
 */
function linkLive(onboarding) {
  return (
    onboarding?.signupPath !== 'META_EMBEDDED_SIGNUP' &&
    signupOpen(onboarding) &&
    stepOf(onboarding, 'CUSTOMER_SIGNUP')?.status !== 'FAILED'
  );
}

/** Meta's Embedded Signup on this page rather than SendZen's iframe. */
const onMeta = (session) => session.signupPath === 'META_EMBEDDED_SIGNUP';

// ---------------------------------------------------------------------------------------------
// The SendZen iframe, its postMessage, and keeping its link fresh
// ---------------------------------------------------------------------------------------------

function showIframe(session, url, expiresAt) {
  const body = $('#signup-body');
  const expiry = $('#link-expiry');
  const onboarding = session.onboarding;
  if (!signupOpen(onboarding)) {
    expiry.textContent = '';
    body.replaceChildren(
      onboarding.status === 'CANCELLED'
        ? h('p', { class: 'muted' }, 'The onboarding was cancelled.')
        : signupDone(onboarding),
    );
    return;
  }
  if (onMeta(session)) {
    expiry.textContent = '';
    renderMetaSignup(session);
    return;
  }
  if (!url) {
    expiry.textContent = '';
    body.replaceChildren(h('p', { class: 'muted' }, 'Waiting for SendZen to issue the link…'));
    return;
  }
  if (stepOf(onboarding, 'CUSTOMER_SIGNUP')?.status === 'FAILED') {
    expiry.textContent = 'the signup failed: retry for a new link';
  } else {
    expiry.replaceChildren('link valid until ', clock(expiresAt) ?? '—');
  }
  const existing = body.querySelector('iframe');
  if (existing?.dataset.url === url) return;
  const frame = h('iframe', {
    'data-testid': 'signup-iframe',
    title: 'SendZen onboarding',
    src: url,
    // The customer's signup page: scripts and its own origin, nothing over this page.
    sandbox: 'allow-scripts allow-same-origin allow-forms allow-popups',
    referrerpolicy: 'no-referrer',
  });
  frame.dataset.url = url;
  body.replaceChildren(frame);
  if (existing) log('Showing the new SendZen link.');
}

/** What the finished signup shared, in words. */
function signupDone(onboarding) {
  const signup = onboarding.signup;
  const onlyWaba = signup?.wabaId && !signup.phoneNumberId;
  return h(
    'p',
    { class: 'done', 'data-testid': 'signup-done' },
    '✓ The customer completed the signup',
    signup?.metaEvent ? ' in Meta’s Embedded Signup' : '',
    signup?.wabaId
      ? onlyWaba
        ? ` — WABA ${signup.wabaId}, shared without a phone number`
        : ` — WABA ${signup.wabaId}, phone number id ${signup.phoneNumberId}`
      : '',
    signup?.source ? ` (reported by ${signup.source.toLowerCase()})` : '',
    '.',
    signup?.coexistence
      ? ' The number stays on the customer’s WhatsApp Business app too (coexistence).'
      : '',
    onboarding.status === 'AWAITING_PHONE_NUMBER'
      ? ' Waiting for a phone number: add one below.'
      : '',
  );
}

/** SendZen posts `{status, project_id, client_identifier, waba_id, phone_number_id | message}`. */
function parseSignupResult(data) {
  let value = data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== 'object') return null;
  const status = String(value.status ?? '').toLowerCase();
  if (status !== 'completed' && status !== 'failed') return null;
  const text = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    status: status === 'completed' ? 'COMPLETED' : 'FAILED',
    wabaId: text(value.waba_id ?? value.wabaId),
    phoneNumberId: text(value.phone_number_id ?? value.phoneNumberId),
    projectId: text(value.project_id ?? value.projectId),
    clientIdentifier: text(value.client_identifier ?? value.clientIdentifier),
    code: text(value.code),
    message: text(value.message),
  };
}

// One listener for both paths: the onboarding on show says whose messages count.
window.addEventListener('message', (event) => {
  if (current && onMeta(current)) onMetaMessage(current, event);
  else onSendzenMessage(event);
});

function onSendzenMessage(event) {
  if (event.origin !== sendzenOrigin) {
    log(`Ignored a message from ${event.origin || 'an unknown origin'}: not SendZen.`, 'warn');
    return;
  }
  const frame = document.querySelector('#signup-body iframe');
  const session = current;
  if (!session || !frame || event.source !== frame.contentWindow) {
    log('Ignored a SendZen message from a window that is not the signup iframe.', 'warn');
    return;
  }
  const result = parseSignupResult(event.data);
  if (!result) {
    log('Ignored a SendZen message that is not a signup result.', 'warn');
    return;
  }
  const expected = session.onboarding?.clientIdentifier;
  if (result.clientIdentifier && expected && result.clientIdentifier !== expected) {
    log(`Ignored a signup result for another customer (${result.clientIdentifier}).`, 'warn');
    return;
  }
  void relay(session, result);
}

async function relay(session, result) {
  log(`SendZen says the signup ${result.status === 'COMPLETED' ? 'completed' : 'failed'}.`);
  try {
    const data = await gatewayAsSession(session.token, RELAY, {
      input: { onboardingId: session.id, ...result },
    });
    const answer = data.relaySignupResult;
    if (answer.message) log(`Relaying the result was refused: ${answer.message}`, 'error');
    else log('Relayed the signup result to the gateway with the session token.');
  } catch (error) {
    log(`Relaying the result failed: ${error.message}`, 'error');
  }
}

// ---------------------------------------------------------------------------------------------
// Meta's Embedded Signup, launched from this page
// ---------------------------------------------------------------------------------------------

const FINISH_EVENTS = new Set([
  'FINISH',
  'FINISH_ONLY_WABA',
  'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
]);

/** Meta's events in words, for the page's activity. */
const META_EVENT_WORDS = {
  FINISH: 'the customer finished, sharing a WhatsApp Business Account and a phone number',
  FINISH_ONLY_WABA:
    'the customer finished, sharing a WhatsApp Business Account without a phone number',
  FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING:
    'the customer finished with the number of their WhatsApp Business app (coexistence)',
  CANCEL: 'the customer left before finishing',
  ERROR: 'the customer reported an error',
};

/** Where in Meta's flow a customer can leave (CANCEL's `current_step`), in words. */
const META_STEP_WORDS = {
  BUSINESS_ACCOUNT_SELECTION: 'choosing their business portfolio',
  WABA_SELECTION: 'choosing their WhatsApp Business Account',
  PHONE_NUMBER_SETUP: 'adding their phone number',
  PHONE_NUMBER_VERIFICATION: 'verifying their phone number',
};

/**
 * One launch of Embedded Signup. Meta's message and FB.login's callback arrive in either order,
 * and a finish needs both: the message says what was shared, the callback's code proves it.
 * @typedef {{ message: any, answered: boolean, code: string | null, relayed: boolean, saidNoCode: boolean }} MetaAttempt
 */

/** Meta's SDK, loaded once for the page: FB.init runs for each launch's settings. */
let metaSdk = null;

function loadMetaSdk(launch) {
  if (!metaSdk) {
    metaSdk = new Promise((resolve, reject) => {
      if (window.FB) {
        resolve(window.FB);
        return;
      }
      // Meta's SDK calls fbAsyncInit once it has defined FB.
      window.fbAsyncInit = () => resolve(window.FB);
      const script = h('script', { src: launch.sdkUrl, async: true });
      script.addEventListener('error', () => {
        metaSdk = null;
        script.remove();
        reject(new Error(`Meta's SDK did not load from ${launch.sdkUrl}`));
      });
      document.head.append(script);
    });
  }
  return metaSdk.then((FB) => {
    FB.init({ appId: launch.appId, version: launch.graphApiVersion, xfbml: false, cookie: false });
    return FB;
  });
}

/** Meta's `message` data: a JSON string (an object tolerated); only Embedded Signup's count. */
function parseMetaMessage(data) {
  let value = data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== 'object' || value.type !== 'WA_EMBEDDED_SIGNUP') return null;
  return {
    event: String(value.event ?? ''),
    data: value.data && typeof value.data === 'object' ? value.data : {},
    // Relayed as received: the gateway reads Meta's message itself.
    text: typeof data === 'string' ? data : JSON.stringify(value),
  };
}

function onMetaMessage(session, event) {
  const origins = session.launch?.messageOrigins ?? [];
  if (!origins.includes(event.origin)) {
    log(
      `Ignored a message from ${event.origin || 'an unknown origin'}: not Meta's origin (${origins.join(', ') || 'none known'}).`,
      'warn',
    );
    return;
  }
  // Meta's SDK talks to its own windows on the same channel: only Embedded Signup's message matters.
  const message = parseMetaMessage(event.data);
  if (!message) return;
  session.metaAttempt ??= newAttempt();
  const attempt = session.metaAttempt;
  if (attempt.message) {
    log('Ignored a second Embedded Signup message for the same launch.', 'warn');
    return;
  }
  attempt.message = message;
  log(`Meta says ${META_EVENT_WORDS[message.event] ?? `${message.event}`} (${message.event}).`);
  settleMeta(session, attempt);
}

/** @returns {MetaAttempt} */
const newAttempt = () => ({
  message: null,
  answered: false,
  code: null,
  relayed: false,
  saidNoCode: false,
});

/** Runs from the click itself: Meta's SDK (and the browser) block a popup opened any later. */
function launchMeta(session) {
  const launch = session.launch;
  if (!window.FB || !launch || session !== current) return;
  const attempt = newAttempt();
  session.metaAttempt = attempt;
  log("Launched Meta's Embedded Signup (FB.login): it opens in a window of its own.");
  window.FB.login(
    (response) => {
      attempt.answered = true;
      attempt.code = response?.authResponse?.code ?? null;
      settleMeta(session, attempt);
    },
    {
      config_id: launch.configId,
      response_type: 'code',
      override_default_response_type: true,
      extras: {
        setup: launch.solutionId ? { solutionID: launch.solutionId } : {},
        sessionInfoVersion: '3',
      },
    },
  );
  renderMetaSignup(session);
}

/** Relays once what the launch came to is known: a finish with its code, or a cancel or error. */
function settleMeta(session, attempt) {
  if (attempt.relayed || session !== current) return;
  const message = attempt.message;
  if (!message) {
    if (attempt.answered && !attempt.code && !attempt.saidNoCode) {
      attempt.saidNoCode = true;
      log(
        'FB.login answered without a code: the customer closed Meta’s window or left the signup.',
      );
    }
    renderMetaSignup(session);
    return;
  }
  const finish = FINISH_EVENTS.has(message.event);
  if (finish && !attempt.answered) {
    log('Waiting for FB.login’s authorization code to go with Meta’s message.');
    return;
  }
  attempt.relayed = true;
  if (finish && !attempt.code) {
    log(
      'Meta’s message says the signup finished, but FB.login gave no authorization code: launch Embedded Signup again.',
      'error',
    );
    renderMetaSignup(session);
    return;
  }
  void relayMeta(session, message, finish ? attempt.code : undefined);
}

async function relayMeta(session, message, code) {
  try {
    const data = await gatewayAsSession(session.token, RELAY_META, {
      input: { onboardingId: session.id, message: message.text, ...(code ? { code } : {}) },
    });
    const answer = data.relayMetaSignup;
    if (answer.message) log(`Relaying Meta’s message was refused: ${answer.message}`, 'error');
    else
      log(
        `Relayed Meta’s ${message.event} to the gateway with the session token${code ? ' and FB.login’s code' : ''}.`,
      );
  } catch (error) {
    log(`Relaying Meta’s message failed: ${error.message}`, 'error');
  }
  renderMetaSignup(session);
}

/** What the signup on Meta's path came to so far, in plain words, from the onboarding's fields. */
function metaOutcome(session) {
  const signup = session.onboarding?.signup;
  const attempt = session.metaAttempt;
  if (signup?.metaEvent === 'CANCEL') {
    const step = signup.leftAtStep;
    return {
      kind: 'left',
      text: step
        ? `The customer left Meta’s Embedded Signup while ${META_STEP_WORDS[step] ?? 'at a step Meta names'} (${step}). They can launch it again: a finished signup carries on with this onboarding.`
        : 'The customer left Meta’s Embedded Signup before finishing. They can launch it again.',
    };
  }
  if (signup?.metaEvent === 'ERROR') {
    return {
      kind: 'error',
      text: `Meta reported an error in the signup: “${signup.message ?? 'no message'}”${signup.metaErrorId ? ` (Meta’s error id ${signup.metaErrorId}, for Meta’s support)` : ''}. The customer can launch it again.`,
    };
  }
  if (attempt && !attempt.relayed) {
    return attempt.answered && !attempt.code
      ? { kind: 'closed', text: 'Meta’s window closed without finishing the signup.' }
      : {
          kind: 'open',
          text: 'Meta’s Embedded Signup is open in its own window: waiting for the customer.',
        };
  }
  if (attempt?.relayed)
    return { kind: 'relayed', text: 'Relayed what Meta sent: the gateway takes it from here.' };
  return { kind: 'none', text: 'Not launched yet.' };
}

function renderMetaSignup(session) {
  // A relay's answer can land after the subscription showed the finished signup: it stays shown.
  if (session !== current || !signupOpen(session.onboarding)) return;
  const body = $('#signup-body');
  let box = body.querySelector('[data-testid="meta-signup"]');
  if (!box || box.dataset.onboardingId !== session.id) {
    const launch = session.launch;
    const button = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-testid': 'launch-meta',
        disabled: true,
        onclick: () => launchMeta(session),
      },
      'Launch Embedded Signup',
    );
    box = h(
      'div',
      { class: 'meta-signup', 'data-testid': 'meta-signup', dataset: { onboardingId: session.id } },
      h(
        'p',
        { class: 'muted small' },
        'The customer signs up with Meta on this page: the button opens Meta’s Embedded Signup in a window of its own',
        launch
          ? ` (Meta app ${launch.appId}, configuration ${launch.configId}, from the gateway’s settings)`
          : '',
        '. Its messages count only from ',
        launch?.messageOrigins.join(', ') ?? 'Meta',
        '.',
      ),
      button,
      h('p', { class: 'meta-outcome', 'data-testid': 'meta-outcome', role: 'status' }),
    );
    body.replaceChildren(box);
    if (launch) {
      loadMetaSdk(launch).then(
        () => {
          button.disabled = false;
        },
        (error) => log(`${error.message}: Embedded Signup cannot be launched.`, 'error'),
      );
    } else {
      log('The gateway sent nothing to launch Embedded Signup with.', 'error');
    }
  }
  const outcome = metaOutcome(session);
  const shown = /** @type {HTMLElement} */ (box.querySelector('[data-testid="meta-outcome"]'));
  shown.textContent = outcome.text;
  shown.dataset.kind = outcome.kind;
}

/** When the link or the token needs renewing (server time), or null when neither does. */
function refreshDue(session) {
  const onboarding = session.onboarding;
  if (onboarding?.status === 'CANCELLED') return null;
  let due = session.tokenExpiresAt;
  if (!onMeta(session) && linkLive(onboarding) && onboarding?.iframeUrlExpiresAt) {
    due = Math.min(due, Date.parse(onboarding.iframeUrlExpiresAt));
  }
  return due - REFRESH_MARGIN_MS;
}

function scheduleRefresh(session) {
  clearTimeout(session.refreshTimer);
  const due = refreshDue(session);
  if (due === null || session !== current) return;
  const wait = Math.max(due - serverNow(), session.lastRefreshAt + MIN_REFRESH_GAP_MS - Date.now());
  session.refreshTimer = setTimeout(() => void renew(session, 'the link expires soon'), wait);
}

/** A fresh link and token (signup still to do) or a fresh token (signup done), from the backend. */
async function renew(session, reason) {
  if (session.refreshing || session !== current) return;
  session.refreshing = true;
  session.lastRefreshAt = Date.now();
  const link = !onMeta(session) && linkLive(session.onboarding);
  try {
    const answer = await backend(
      'POST',
      `/demo/api/onboardings/${encodeURIComponent(session.id)}/${link ? 'link' : 'session'}`,
      {},
    );
    adopt(session, answer);
    log(link ? `Refreshed the SendZen link: ${reason}.` : `Renewed the session token: ${reason}.`);
  } catch (error) {
    log(`Could not renew (${reason}): ${error.message}`, 'error');
  } finally {
    session.refreshing = false;
    scheduleRefresh(session);
  }
}

/** A backend answer's token and link become this session's. */
function adopt(session, answer) {
  if (session !== current) return;
  session.token = answer.sessionToken;
  session.tokenExpiresAt = Date.parse(answer.sessionExpiresAt);
  if (answer.metaSignupLaunch) session.launch = answer.metaSignupLaunch;
  // The subscription may already have brought something newer; an older link must not win.
  if (answer.version < session.version) return;
  if (session.onboarding) {
    session.onboarding = {
      ...session.onboarding,
      iframeUrl: answer.iframeUrl,
      iframeUrlExpiresAt: answer.iframeUrlExpiresAt,
    };
  }
  showIframe(session, answer.iframeUrl, answer.iframeUrlExpiresAt);
}

// A sleeping laptop or a background tab delays timers: check again when the page is back.
setInterval(() => {
  if (current && (refreshDue(current) ?? Infinity) <= serverNow()) {
    void renew(current, 'the link expires soon');
  }
}, 30_000);
document.addEventListener('visibilitychange', () => {
  if (current && document.visibilityState === 'visible') scheduleRefresh(current);
});

// ---------------------------------------------------------------------------------------------
// What each step is for, how long it takes, and what failures mean, in plain words
// ---------------------------------------------------------------------------------------------

/**
 * What each step does, said for a person watching, and how long it usually takes: the demo's own
 * words. A step this table does not know shows the plan's description (from /demo/api/config).
 */
const STEP_WORDS = {
  SENDZEN_PROJECT: {
    doing: 'Creating the customer’s SendZen project and signup link',
    usually: 'a second or two',
  },
  SINCH_SUBPROJECT: {
    doing: 'Creating the customer’s Sinch subproject',
    usually: 'a few seconds; a new subproject can take up to about 30 seconds to be usable',
  },
  PROVISIONING_WEBHOOK: {
    doing: 'Asking Sinch to report the WhatsApp sender’s progress to the gateway',
    usually: 'a second or two',
  },
  CUSTOMER_SIGNUP: {
    doing: 'The customer signs up with Meta in the SendZen page below',
    usually: 'two to five minutes of the customer’s time',
  },
  // Keyed by step and signup path: see wordsFor.
  'CUSTOMER_SIGNUP/META_EMBEDDED_SIGNUP': {
    doing: 'The customer signs up in Meta’s Embedded Signup, launched from this page',
    usually: 'two to five minutes of the customer’s time',
  },
  WHATSAPP_SENDER: {
    doing: 'Sinch registers the customer’s number as a WhatsApp sender',
    usually: 'from a few seconds to a few minutes',
  },
  CONVERSATION_APP: {
    doing: 'Creating the Conversation API app that sends and receives the messages',
    usually: 'a second or two',
  },
  APP_WEBHOOK: {
    doing: 'Connecting the app’s delivery reports and inbound messages to the gateway',
    usually: 'a second or two',
  },
};

/** Who an `upstream` is, in words. */
const UPSTREAMS = {
  sendzen: 'SendZen',
  'sinch-auth': 'Sinch (sign-in)',
  'sinch-subprojects': 'Sinch (subprojects)',
  'sinch-provisioning': 'Sinch (WhatsApp provisioning)',
  'sinch-conversation': 'Sinch (Conversation API)',
  meta: 'Meta',
};
const upstreamName = (upstream) => (upstream ? (UPSTREAMS[upstream] ?? upstream) : 'the gateway');

const SINCH_SUPPORT = 'Contact Sinch support with the details below, then retry.';
const SINCH_HICCUP = {
  what: 'Sinch could not finish setting up the WhatsApp sender on Meta’s side.',
  todo: 'This is usually temporary: retry. If it fails again, contact Sinch support with the details below.',
  retry: true,
};
const NUMBER_TAKEN = {
  what: 'The customer’s phone number or WhatsApp Business Account is already in use elsewhere.',
  todo: 'A retry fails the same way. The number must be released from the other account (or the customer signs up with another number): cancel this onboarding and start a new one.',
  retry: false,
};

/**
 * Known codes: what happened, what to do, and whether the Retry button can help. `retry: false`
 * hides Retry even where the gateway calls the error retryable: retrying repeats the same failure
 * until someone fixes something outside the gateway (the partner's billing, Sinch's account setup,
 * the customer's Meta account). Unknown codes fall back on the gateway's `retryable`.
 */
const FAILURES = {
  // The customer's signup (the gateway's own codes)
  SIGNUP_FAILED: {
    what: 'The customer did not finish the signup in the SendZen page.',
    todo: 'Retry: the customer gets a new signup link and can try again.',
    retry: true,
    quote: true,
  },
  // Meta's Embedded Signup on the vendor's page (the gateway's own codes)
  SIGNUP_CANCELLED: {
    what: 'The customer left Meta’s Embedded Signup before finishing.',
    todo: 'The customer launches Embedded Signup again below: a finished signup carries on with this onboarding.',
    retry: false,
    quote: true,
  },
  META_SIGNUP_ERROR: {
    what: 'Meta’s Embedded Signup reported an error.',
    todo: 'The customer launches Embedded Signup again below. If Meta keeps failing, give Meta’s support the error id.',
    retry: false,
    quote: true,
  },
  SIGNUP_NOT_CONFIRMED: {
    what: 'The page reported a finished signup, but SendZen never confirmed it, so nothing was created.',
    todo: 'Retry: the customer gets a new signup link. If it happens again, check that SendZen’s webhook reaches the gateway.',
    retry: true,
  },
  SIGNUP_NOT_COMPLETED: {
    what: 'The WhatsApp sender needs the customer’s finished signup, and there is none.',
    todo: 'Retry: the customer gets a new signup link.',
    retry: true,
  },
  SIGNUP_RESULT_CHANGED: {
    what: 'The customer’s signup changed (another number or account) after the sender was created.',
    todo: 'Retry: the gateway replaces the sender with one for the new number.',
    retry: true,
  },
  INTERNAL: {
    what: 'Something unexpected went wrong inside the gateway.',
    todo: 'Retry. If it fails again, the gateway’s log says more.',
    retry: true,
  },
  // SendZen
  invalid_facebook_token: {
    what: 'Meta’s authorization from the customer’s signup expired or could not be used.',
    todo: 'A retry uses the same authorization and fails again: cancel this onboarding and have the customer sign up again in a new one.',
    retry: false,
  },
  project_not_found: {
    what: 'The customer’s SendZen or Sinch project no longer exists.',
    todo: 'A retry cannot bring it back: cancel this onboarding and start a new one.',
    retry: false,
  },
  project_not_initialized: {
    what: 'Sinch says the project is not set up for WhatsApp yet.',
    todo: 'Ask Sinch to enable WhatsApp on your account, then retry.',
    retry: false,
  },
  // Sinch's sender error codes (changes.errorCode)
  NO_PRICING_PLAN: {
    what: 'Sinch could not activate the WhatsApp sender: your Sinch account has not accepted the WhatsApp pricing plan.',
    todo: 'Accept the WhatsApp pricing plan in your Sinch account (billing). A retry before that fails the same way; once it is accepted, retry this onboarding from your backend (retryOnboarding).',
    retry: false,
  },
  CANNOT_ASSIGN_CREDIT_LINE: {
    what: 'Sinch could not attach a credit line to the customer’s WhatsApp account.',
    todo: 'Check the billing set-up of your Sinch account (or ask Sinch support); then retry from your backend.',
    retry: false,
  },
  CANNOT_ASSIGN_SYSTEM_USER: {
    what: 'Sinch could not add its system user to the customer’s WhatsApp Business Account.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  NO_NOVA_ACCOUNT_ID: {
    what: 'Your Sinch account is missing part of its WhatsApp set-up.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  NOVA_ACCOUNT_ID_CONFLICT: {
    what: 'Your Sinch account’s WhatsApp set-up conflicts with another account.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  NO_PROJECT_ID: {
    what: 'Sinch did not find the project the sender belongs to.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  PROJECT_ID_CONFLICT: {
    what: 'The customer’s WhatsApp account is tied to another Sinch project.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  NO_CERTIFICATE_AVAILABLE: SINCH_HICCUP,
  CANNOT_CREATE_NEW_WHATSAPP_SENDER: SINCH_HICCUP,
  CANNOT_CREATE_WABA_FOR_BUSINESS: SINCH_HICCUP,
  CANNOT_GET_DETAILS_FOR_CLOUD_API: SINCH_HICCUP,
  CANNOT_GET_WABA_DETAILS: SINCH_HICCUP,
  CANNOT_REGISTER_NEW_WHATSAPP_SENDER: SINCH_HICCUP,
  CANNOT_REGISTER_TO_CLOUD_API: SINCH_HICCUP,
  CANNOT_SUBSCRIBE_TO_CLOUD_API: SINCH_HICCUP,
  CANNOT_SUBSCRIBE_TO_WEBHOOK: SINCH_HICCUP,
  FAILED_TO_FETCH_APPROVED_MESSAGE_TEMPLATES: SINCH_HICCUP,
  UNKNOWN_ERROR: SINCH_HICCUP,
  UNRECOGNIZED: SINCH_HICCUP,
  DUPLICATES_ON_SENDER_PHONE_NUMBER: NUMBER_TAKEN,
  REQUESTED_PHONE_NUMBER_OR_COUNTRY_CODE_CONFLICT: NUMBER_TAKEN,
  WABA_CONNECTED_TO_ANOTHER_PROJECT: NUMBER_TAKEN,
  MULTIPLE_WABA_FOR_PROJECT_ID: NUMBER_TAKEN,
  NO_VERIFIED_PHONE_NUMBER: {
    what: 'The customer’s phone number is not verified with Meta.',
    todo: 'The customer verifies the number in Meta’s WhatsApp Manager; then retry from your backend. A retry before that fails the same way.',
    retry: false,
  },
  NOT_VERIFIED_REQUESTED_PHONE_NUMBER: {
    what: 'The customer’s phone number is not verified with Meta.',
    todo: 'The customer verifies the number in Meta’s WhatsApp Manager; then retry from your backend. A retry before that fails the same way.',
    retry: false,
  },
  NOT_VERIFY_BUSINESS_VIA_WHATSAPP: {
    what: 'Meta has not verified the customer’s business.',
    todo: 'The customer completes business verification in Meta Business Manager; then retry from your backend.',
    retry: false,
  },
  REJECTED: {
    what: 'Meta rejected the WhatsApp sender.',
    todo: SINCH_SUPPORT,
    retry: false,
  },
  SENDER_HAS_BEEN_DELETED: {
    what: 'The WhatsApp sender was deleted at Sinch.',
    todo: 'Retry: the gateway creates a new sender.',
    retry: true,
  },
  SENDER_INACTIVE: {
    what: 'The WhatsApp sender was switched off at Sinch.',
    todo: 'Retry: the gateway replaces it with a new sender.',
    retry: true,
  },
  SENDER_SUSPENDED: {
    what: 'Meta suspended the WhatsApp sender (usually a policy matter).',
    todo: 'A retry cannot lift a suspension: contact Sinch support with the details below.',
    retry: false,
  },
};

/** A failure in plain words: what happened, what to do, and whether Retry is worth offering. */
function explain(error, stepName) {
  const known = FAILURES[error.code];
  const stepLabel = stepLabels[stepName] ?? stepName;
  if (known) {
    const said =
      known.quote && error.message
        ? ` ${upstreamName(error.upstream)} says: “${error.message}”`
        : '';
    if (known.retry && !error.retryable) {
      return {
        what: known.what + said,
        todo: 'The gateway says a retry cannot help here: cancel this onboarding and start a new one.',
        retry: false,
      };
    }
    return { what: known.what + said, todo: known.todo, retry: known.retry };
  }
  return {
    what: `${stepLabel} failed at ${upstreamName(error.upstream)}: ${error.message}`,
    todo: error.retryable
      ? 'Retry: the gateway runs the failed steps again.'
      : 'A retry cannot help here: cancel this onboarding and start a new one.',
    retry: error.retryable,
  };
}

/** The raw failure, for engineers: under "Details". */
function failureDetails(error, stepName, retryShown) {
  const rows = [
    ['Step', `${stepLabels[stepName] ?? stepName} (${stepName})`],
    ['Upstream', error.upstream ?? 'the gateway'],
    ['Code', h('code', {}, error.code)],
    ['Message', error.message],
    [
      'Retryable',
      error.retryable
        ? retryShown
          ? 'yes'
          : 'the gateway would retry, but a retry repeats the failure until the cause is fixed'
        : 'no',
    ],
  ];
  return h(
    'details',
    { class: 'details', 'data-testid': 'failure-details' },
    h('summary', {}, 'Details'),
    h('dl', {}, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
  );
}

/** Which step the onboarding is at, and what it waits for, in plain words. */
function progressOf(o) {
  const steps = orderedSteps(o);
  const total = steps.length;
  const done = steps.filter((s) => s.status === 'SUCCEEDED').length;
  if (o.status === 'READY') {
    return { title: `All ${total} steps done: ready to message`, detail: '', done, total };
  }
  if (AFTER_READY.has(o.status)) {
    return {
      title: `All ${total} steps done; now: ${STATUS_WORDS[o.status] ?? o.status}`,
      detail: '',
      done,
      total,
    };
  }
  const index = steps.findIndex((s) => s.status !== 'SUCCEEDED');
  const step = steps[index];
  if (!step) return { title: `${done} of ${total} steps done`, detail: '', done, total };
  const words = STEP_WORDS[`${step.name}/${o.signupPath}`] ??
    STEP_WORDS[step.name] ?? {
      doing: (stepDescriptions[step.name] ?? step.label).replace(/\.$/, ''),
      usually: null,
    };
  const at = `Step ${index + 1} of ${total}: ${step.label}`;
  if (o.status === 'CANCELLED') {
    return {
      title: `Cancelled at step ${index + 1} of ${total} (${step.label})`,
      detail: '',
      done,
      total,
    };
  }
  let now;
  if (step.status === 'FAILED') now = 'This step failed: see below for what to do.';
  else if (step.status === 'WAITING') now = `Waiting for ${step.waitingFor ?? 'an upstream'}.`;
  else if (step.status === 'RUNNING') now = 'Working on it now.';
  else if (step.nextAttemptAt && step.attempts > 0)
    now = h(
      'span',
      {},
      'Trying again at ',
      clock(step.nextAttemptAt),
      ' (the last try failed and will be retried by itself).',
    );
  else now = 'About to start.';
  return {
    title: at,
    doing: words.doing,
    now,
    // Adding the number is the vendor's move, not a wait on an upstream.
    usually:
      step.status === 'FAILED' || o.status === 'AWAITING_PHONE_NUMBER' ? null : words.usually,
    done,
    total,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering the onboarding
// ---------------------------------------------------------------------------------------------

function render(session) {
  const o = session.onboarding;
  $('#ob-title').textContent = o.displayName;
  const meta = $('#ob-meta');
  meta.replaceChildren(
    `${o.clientIdentifier} · ${regionName(o.region)} · started `,
    clock(o.createdAt),
  );
  meta.title = `version ${o.version}`;
  const status = $('#status');
  status.textContent = STATUS_WORDS[o.status] ?? o.status;
  status.className = `badge large ${o.status.toLowerCase()}`;
  status.dataset.status = o.status;

  renderProgress(o);
  renderAction(o);
  renderButtons(o);
  showIframe(session, o.iframeUrl, o.iframeUrlExpiresAt);
  renderSteps(o);
  renderNumbers(o);
  renderReady(o);
}

function renderProgress(o) {
  const p = progressOf(o);
  $('#progress').dataset.status = o.status;
  $('#progress-title').textContent = p.title;
  $('#progress-count').textContent = `${p.done} of ${p.total} done`;
  const bar = /** @type {HTMLProgressElement} */ ($('#progress-bar'));
  bar.max = p.total;
  bar.value = p.done;
  const detail = $('#progress-detail');
  detail.hidden = !p.doing;
  if (!p.doing) return;
  detail.replaceChildren(
    h('span', {}, `${p.doing}. `),
    h('span', { 'data-testid': 'progress-now' }, p.now),
    ...(p.usually ? [h('span', { class: 'muted' }, ` Usually ${p.usually}.`)] : []),
  );
}

function renderAction(o) {
  const action = $('#action-required');
  const a = o.actionRequired;
  action.hidden = o.status !== 'ACTION_REQUIRED' || !a;
  if (action.hidden) return;
  const plain = explain(a, a.step);
  $('#action-title').textContent = `${stepLabels[a.step] ?? a.step}: action required`;
  $('#action-message').textContent = plain.what;
  $('#action-todo').textContent = plain.todo;
  const wasOpen = $('#action-details').querySelector('details')?.open;
  const details = failureDetails(a, a.step, plain.retry);
  details.open = Boolean(wasOpen);
  $('#action-details').replaceChildren(details);
  $('#retry').hidden = !plain.retry;
}

function renderButtons(o) {
  const finished = AFTER_READY.has(o.status) || o.status === 'CANCELLED';
  $('#refresh-link').hidden = !(linkLive(o) && o.iframeUrl);
  const confirming = !$('#cancel-confirm').hidden;
  $('#cancel').hidden = finished || confirming;
  if (finished) $('#cancel-confirm').hidden = true;
  $('#onboarding-actions').hidden =
    $('#refresh-link').hidden && $('#cancel').hidden && $('#cancel-confirm').hidden;
}

function renderSteps(o) {
  const steps = orderedSteps(o);
  const table = $('#steps-table');
  for (const body of table.querySelectorAll('tbody')) body.remove();
  // One tbody per step: its row, and under it the error or the next attempt when there is one.
  for (const step of steps) {
    const error = step.error;
    const plain = error ? explain(error, step.name) : null;
    const waiting = step.status === 'WAITING' && step.waitingFor;
    const extra =
      error || step.nextAttemptAt || waiting
        ? h(
            'tr',
            { class: 'step-extra' },
            h(
              'td',
              { colspan: 7 },
              error
                ? h(
                    'span',
                    { class: 'step-error', 'data-testid': 'step-error' },
                    h('strong', {}, plain.what),
                    h('small', {}, ` ${upstreamName(error.upstream)} · ${error.code}`),
                  )
                : null,
              waiting ? h('small', { class: 'next' }, ` waiting for ${step.waitingFor}`) : null,
              step.nextAttemptAt
                ? h(
                    'small',
                    { class: 'next' },
                    step.status === 'WAITING' ? ' until ' : ' next attempt at ',
                    clock(step.nextAttemptAt),
                  )
                : null,
            ),
          )
        : null;
    table.append(
      h(
        'tbody',
        { 'data-testid': 'step', dataset: { step: step.name, status: step.status } },
        h(
          'tr',
          {},
          h('td', {}, h('div', { class: 'step-label' }, step.label), h('code', {}, step.name)),
          h('td', {}, badge(step.status, { 'data-testid': 'step-status' })),
          h('td', { class: 'num' }, step.attempts),
          h('td', {}, clock(step.startedAt) ?? '—'),
          h('td', {}, clock(step.finishedAt) ?? '—'),
          h('td', {}, clock(step.updatedAt)),
          h('td', {}, step.upstreamId ? h('code', { class: 'id' }, step.upstreamId) : '—'),
        ),
        extra,
      ),
    );
  }
}

function definitions(target, rows) {
  $(target).replaceChildren(
    ...rows.flatMap(([term, value]) => [
      h('dt', {}, term),
      h('dd', {}, value === null || value === undefined || value === '' ? '—' : value),
    ]),
  );
}

/** Once the customer has a WABA, more numbers can join it; and one that failed, again. */
function canAddNumber(o) {
  if (o.status === 'CANCELLED' || !o.signup?.wabaId) return false;
  return (
    o.status === 'READY' ||
    o.status === 'AWAITING_PHONE_NUMBER' ||
    o.phoneNumbers.some((n) => n.status === 'ACTION_REQUIRED')
  );
}

function renderNumbers(o) {
  const addable = canAddNumber(o);
  $('#numbers').hidden = o.phoneNumbers.length === 0 && !addable;
  $('#add-number-form').hidden = !addable;
  const note = $('#numbers-note');
  note.hidden = o.status !== 'AWAITING_PHONE_NUMBER';
  note.textContent = `The customer shared WhatsApp Business Account ${o.signup?.wabaId ?? ''} without a phone number, so the onboarding waits for one: add the number below.`;
  $('#number-list').replaceChildren(
    ...o.phoneNumbers.map((n) =>
      h(
        'li',
        {
          class: 'number-item',
          'data-testid': 'number',
          dataset: { phoneNumberId: n.phoneNumberId, status: n.status },
        },
        h(
          'div',
          { class: 'number-head' },
          h('code', { class: 'number-id' }, n.phoneNumberId),
          badge(n.status, { 'data-testid': 'number-status' }),
          n.first ? h('span', { class: 'muted small' }, 'the onboarding’s first number') : null,
          n.sender
            ? h(
                'span',
                { class: 'muted small' },
                'sender ',
                h('code', {}, n.sender.id),
                ` ${n.sender.state}`,
              )
            : null,
        ),
        h(
          'ul',
          { class: 'number-steps' },
          ...n.steps.map((step) =>
            h(
              'li',
              {
                class: 'number-step',
                'data-testid': 'number-step',
                dataset: { step: step.name, status: step.status },
              },
              `${step.label} `,
              badge(step.status),
              step.status === 'WAITING' && step.waitingFor
                ? h('small', { class: 'muted' }, ` waiting for ${step.waitingFor}`)
                : null,
              step.error
                ? h('small', { class: 'step-error' }, ` ${explain(step.error, step.name).what}`)
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

/** Sinch's refusals of a number (PhoneNumberUnavailable's `code`), in plain words. */
const NUMBER_REFUSALS = {
  used_phone_number_id:
    'Sinch refused the number: another WhatsApp sender already uses it (another customer’s, perhaps). Release it there first, or add another number.',
  provisioned_phone_number_id:
    'Sinch refused the number: it is already set up as a WhatsApp sender. Use that sender, or add another number.',
  all_phone_number_id_provisioned:
    'Sinch refused the number: every number of the customer’s WhatsApp Business Account is set up already.',
  not_found_waba_id:
    'Sinch refused the number: it does not know the customer’s WhatsApp Business Account.',
  wrong_waba_id:
    'Sinch refused the number: it is not on the customer’s WhatsApp Business Account. The customer adds it there in Meta’s WhatsApp Manager first.',
  invalid_waba_id_or_phone_number_id_for_region:
    'Sinch refused the number: it cannot be used in the customer’s region.',
};

/** The Conversation API host for a region (us, eu, br). */
const conversationHost = (region) =>
  `https://${String(region ?? 'us').toLowerCase()}.conversation.api.sinch.com`;

function renderReady(o) {
  const ready = $('#ready');
  // Only a READY onboarding (or one Sinch reported on since) has a channel: a sender or an app
  // alone (in error, say) is not enough.
  ready.hidden = !AFTER_READY.has(o.status);
  if (ready.hidden) return;
  const sendable = canSend(o);
  $('#ready-title').textContent = sendable ? 'Ready to message' : 'Cannot send messages now';
  renderHealth(o, sendable);
  renderMessages(o, sendable);
  // "Can send and receive now" would contradict the health above.
  $('#next').hidden = !sendable;
  const sender = o.sender;
  definitions('#sender', [
    ['Sender id', sender ? h('code', {}, sender.id) : null],
    ['State', sender ? badge(sender.state) : null],
    ['Region', regionName(sender?.region)],
    ['WABA id', sender?.wabaId],
    ['Phone number id', sender?.phoneNumberId],
    ['Bearer token', sender?.bearerTokenPreview],
  ]);
  const app = o.conversationApp;
  definitions('#app', [
    ['App id', app ? h('code', {}, app.id) : null],
    ['Display name', app?.displayName],
    ['Region', regionName(app?.region)],
    ['WhatsApp credential', app?.credentialStatus ? badge(app.credentialStatus) : null],
  ]);
  const webhooks = o.webhooks.map((w) =>
    h(
      'tr',
      { 'data-testid': 'webhook' },
      h('td', {}, h('code', {}, w.id)),
      h('td', {}, h('code', { class: 'id' }, w.target)),
      h('td', {}, w.triggers.join(', ')),
    ),
  );
  $('#webhooks').replaceChildren(
    ...(webhooks.length ? webhooks : [h('tr', {}, h('td', { colspan: 3 }, 'None yet.'))]),
  );

  const project = o.subprojectId ?? '{projectId}';
  const appId = app?.id ?? '{appId}';
  const request = [
    `curl -X POST '${conversationHost(app?.region)}/v1/projects/${project}/messages:send' \\`,
    "  -H 'Authorization: Bearer <your Sinch access token>' \\",
    "  -H 'Content-Type: application/json' \\",
    `  -d '{"app_id": "${appId}",`,
    '       "recipient": {"identified_by": {"channel_identities": [',
    '         {"channel": "WHATSAPP", "identity": "<the recipient, e.g. 46701234567>"}]}},',
    '       "message": {"text_message": {"text": "Hello from ' +
      o.displayName.replaceAll("'", '’') +
      '"}}}\'',
  ].join('\n');
  $('#next-steps').replaceChildren(
    h(
      'li',
      {},
      `${o.displayName} can send and receive WhatsApp messages now, from sender `,
      h('code', {}, sender?.id ?? '—'),
      ' through the Conversation API app ',
      h('code', {}, appId),
      ` in Sinch project `,
      h('code', {}, project),
      ` (${regionName(app?.region) ?? 'its region'}).`,
    ),
    h(
      'li',
      {},
      'Send a first message with the Conversation API (a business-initiated message outside the 24-hour customer service window must be an approved template):',
      h('pre', { 'data-testid': 'first-message' }, h('code', {}, request)),
    ),
    h('li', {}, 'Replies and delivery reports reach the gateway through the app webhook below.'),
    h('li', {}, 'More in the README, section “Send a first message”.'),
  );
}

/** The channel's health in plain words when it is not HEALTHY: what it means, why, what to do. */
function renderHealth(o, sendable) {
  const box = $('#health');
  const health = o.health;
  const state = health?.state ?? (o.status === 'READY' ? 'HEALTHY' : o.status);
  box.hidden = state === 'HEALTHY' && o.status === 'READY';
  if (box.hidden) return;
  box.dataset.state = state;
  box.dataset.canSend = String(sendable);
  $('#health-title').textContent =
    `${STATUS_WORDS[state] ?? state}. ${HEALTH_WORDS[state] ?? (sendable ? 'Messages can be sent.' : 'Nothing can be sent.')}`;
  const reason = $('#health-reason');
  reason.hidden = !health?.reason;
  reason.textContent = health?.reason ? `Sinch or Meta says: “${health.reason}”` : '';
  const todo = $('#health-todo');
  todo.hidden = !health?.whatToDo;
  todo.textContent = health?.whatToDo ? `What to do: ${health.whatToDo}` : '';
}

/** The send form (while the channel can send) and every test message, live. */
function renderMessages(o, sendable) {
  const form = /** @type {HTMLFormElement} */ ($('#send-message-form'));
  form.hidden = !sendable;
  if (!sendable) $('#send-message-error').hidden = true;
  const text = /** @type {HTMLInputElement} */ (form.elements.namedItem('text'));
  if (form.dataset.prefilled !== o.id) {
    form.dataset.prefilled = o.id;
    text.value = `Hello from ${o.displayName}`;
  }
  const messages = o.testMessages ?? [];
  $('#messages-empty').hidden = messages.length > 0;
  $('#message-list').replaceChildren(
    ...messages.map((m) =>
      h(
        'li',
        {
          class: 'message-item',
          'data-testid': 'test-message',
          dataset: { messageId: m.id, status: m.status, to: m.to },
        },
        h(
          'div',
          { class: 'message-head' },
          badge(m.status, { 'data-testid': 'message-status' }),
          h('span', {}, 'to ', h('code', {}, m.to)),
          h('span', { class: 'muted small' }, 'sent ', clock(m.sentAt)),
          m.deliveredAt
            ? h('span', { class: 'muted small' }, 'delivered ', clock(m.deliveredAt))
            : null,
        ),
        h('p', { 'data-testid': 'test-message-text' }, `“${m.text}”`),
        m.status === 'FAILED'
          ? h(
              'p',
              { class: 'message-failure', 'data-testid': 'message-failure' },
              'Not delivered: ',
              m.failure?.reason ?? 'Sinch gave no reason',
              m.failure?.code ? ` (${m.failure.code})` : '',
              '.',
            )
          : null,
        m.status === 'SENT' || m.status === 'QUEUED'
          ? h(
              'p',
              { class: 'muted small' },
              `${MESSAGE_WORDS[m.status]}; waiting for WhatsApp’s delivery report.`,
            )
          : null,
        m.reply
          ? h(
              'p',
              { class: 'message-reply', 'data-testid': 'message-reply' },
              'Reply at ',
              clock(m.reply.at),
              ': ',
              h('span', { 'data-testid': 'message-reply-text' }, m.reply.text),
            )
          : null,
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Starting an onboarding, retrying it
// ---------------------------------------------------------------------------------------------

$('#start-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const fields = new FormData(form);
  const error = $('#form-error');
  const button = $('[data-testid="start"]');
  error.hidden = true;
  button.disabled = true;
  try {
    const answer = await backend('POST', '/demo/api/onboardings', {
      clientIdentifier: String(fields.get('clientIdentifier') ?? ''),
      displayName: String(fields.get('displayName') ?? ''),
      region: String(fields.get('region') ?? 'US'),
      scenario: String(fields.get('scenario') ?? ''),
      signupPath: String(fields.get('signupPath') ?? 'SENDZEN'),
    });
    open(
      answer,
      answer.created
        ? 'Started the onboarding (the backend called onboardCustomer).'
        : 'This customer already had an onboarding: showing it.',
    );
    form.reset();
    suggestIdentifier();
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});

$('#retry').addEventListener('click', async () => {
  const session = current;
  if (!session) return;
  const button = $('#retry');
  button.disabled = true;
  log('Asked the backend to retry (retryOnboarding).');
  try {
    const answer = await backend(
      'POST',
      `/demo/api/onboardings/${encodeURIComponent(session.id)}/retry`,
      {},
    );
    adopt(session, answer);
    log('The backend retried; it sent the current link and a fresh session token.');
  } catch (error) {
    log(`Retry failed: ${error.message}`, 'error');
  } finally {
    button.disabled = false;
  }
});

$('#add-number-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const session = current;
  if (!session) return;
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('phoneNumberId'));
  const button = /** @type {HTMLButtonElement} */ ($('[data-testid="add-number"]'));
  const error = $('#add-number-error');
  const phoneNumberId = input.value.trim();
  error.hidden = true;
  button.disabled = true;
  log(`Asked the backend to add phone number ${phoneNumberId} (addPhoneNumber).`);
  try {
    await backend('POST', `/demo/api/onboardings/${encodeURIComponent(session.id)}/numbers`, {
      phoneNumberId,
    });
    if (session !== current) return;
    input.value = '';
    log(`Sinch took phone number ${phoneNumberId}: its sender is on its way, below.`);
  } catch (failure) {
    if (session !== current) return;
    const code = failure.detail?.code;
    error.replaceChildren(
      ...(code
        ? [
            NUMBER_REFUSALS[code] ?? `Sinch refused the number: ${failure.message}.`,
            ' Sinch’s code: ',
            h('code', {}, code),
            '.',
          ]
        : [failure.message]),
    );
    error.dataset.code = code ?? '';
    error.hidden = false;
    log(`Adding phone number ${phoneNumberId} failed: ${failure.message}`, 'error');
  } finally {
    button.disabled = false;
  }
});

$('#send-message-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const session = current;
  if (!session) return;
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const fields = new FormData(form);
  const to = String(fields.get('to') ?? '').trim();
  const text = String(fields.get('text') ?? '');
  const button = /** @type {HTMLButtonElement} */ ($('[data-testid="send-message"]'));
  const error = $('#send-message-error');
  error.hidden = true;
  button.disabled = true;
  log(`Asked the backend to send a test message to ${to || '(no recipient)'} (sendTestMessage).`);
  try {
    await backend('POST', `/demo/api/onboardings/${encodeURIComponent(session.id)}/messages`, {
      to,
      text,
    });
    if (session !== current) return;
    log(`Sinch accepted the test message to ${to}: its delivery reports follow below, live.`);
  } catch (failure) {
    if (session !== current) return;
    error.textContent = `The test message was not sent: ${failure.message}`;
    error.dataset.refusal = failure.detail?.refusal ?? '';
    error.hidden = false;
    log(`Sending a test message failed: ${failure.message}`, 'error');
  } finally {
    button.disabled = false;
  }
});

$('#refresh-link').addEventListener('click', () => {
  const session = current;
  if (!session) return;
  log('Asked the backend for a new SendZen link (refreshOnboardingLink).');
  void renew(session, 'you asked for one');
});

$('#cancel').addEventListener('click', () => {
  $('#cancel').hidden = true;
  $('#cancel-confirm').hidden = false;
  $('#onboarding-actions').hidden = false;
});

$('#cancel-keep').addEventListener('click', () => {
  $('#cancel-confirm').hidden = true;
  if (current?.onboarding) renderButtons(current.onboarding);
});

$('#cancel-yes').addEventListener('click', async () => {
  const session = current;
  if (!session) return;
  const button = /** @type {HTMLButtonElement} */ ($('#cancel-yes'));
  button.disabled = true;
  log('Asked the backend to cancel the onboarding (cancelOnboarding).');
  try {
    const answer = await backend(
      'POST',
      `/demo/api/onboardings/${encodeURIComponent(session.id)}/cancel`,
      {},
    );
    $('#cancel-confirm').hidden = true;
    log('Cancelled: no further step runs; what was created upstream stays.');
    // Cancelling ends the session, so the subscription may not bring this change: show it now.
    // The version stays: the subscription's own update of it, should it come, still applies.
    if (session === current && session.onboarding && session.onboarding.status !== 'CANCELLED') {
      session.onboarding = {
        ...session.onboarding,
        status: answer.status,
        cancelledAt: answer.cancelledAt,
        actionRequired: null,
      };
      clearTimeout(session.refreshTimer);
      render(session);
    }
  } catch (error) {
    log(`Cancel failed: ${error.message}`, 'error');
  } finally {
    button.disabled = false;
  }
});

function suggestIdentifier() {
  const input = /** @type {HTMLInputElement} */ ($('[data-testid="client-identifier"]'));
  input.placeholder = `e.g. customer-${Math.random().toString(36).slice(2, 6)}`;
}

// ---------------------------------------------------------------------------------------------
// Every onboarding, live
// ---------------------------------------------------------------------------------------------

/** @type {Map<string, any>} */
const feed = new Map();

function connectFeed() {
  const source = new EventSource('/demo/api/feed');
  const state = $('#feed-state');
  const merge = (summary) => {
    const known = feed.get(summary.id);
    if (!known || known.version < summary.version) feed.set(summary.id, summary);
  };
  source.addEventListener('open', () => {
    state.textContent = 'live';
    state.classList.add('on');
  });
  source.addEventListener('snapshot', (event) => {
    for (const summary of JSON.parse(event.data).onboardings) merge(summary);
    renderFeed();
  });
  source.addEventListener('onboarding', (event) => {
    merge(JSON.parse(event.data));
    renderFeed();
  });
  source.addEventListener('problem', (event) => {
    state.textContent = `problem: ${JSON.parse(event.data).message}`;
  });
  source.addEventListener('error', () => {
    state.textContent = 'reconnecting…';
    state.classList.remove('on');
  });
}

function renderFeed() {
  const all = [...feed.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const query = /** @type {HTMLInputElement} */ ($('#feed-search')).value.trim().toLowerCase();
  const wanted = /** @type {HTMLSelectElement} */ ($('#feed-status')).value;
  const items = all.filter(
    (o) =>
      (!wanted || o.status === wanted) &&
      (!query ||
        o.clientIdentifier.toLowerCase().includes(query) ||
        o.displayName.toLowerCase().includes(query)),
  );
  const empty = $('#feed-empty');
  empty.hidden = items.length > 0;
  empty.textContent = all.length === 0 ? 'No onboardings yet.' : 'No onboarding matches.';
  $('#feed-count').textContent =
    items.length === all.length ? `${all.length} in all` : `${items.length} of ${all.length} shown`;
  $('#feed').replaceChildren(
    ...items.map((o) =>
      h(
        'li',
        {
          class: o.id === current?.id ? 'selected' : undefined,
          'data-testid': 'feed-item',
          dataset: { onboardingId: o.id, clientIdentifier: o.clientIdentifier, status: o.status },
        },
        h(
          'button',
          {
            type: 'button',
            title: 'Show this onboarding',
            onclick: () => void show(o.id),
          },
          h(
            'span',
            { class: 'feed-main' },
            h('strong', {}, o.displayName),
            h('span', { class: 'muted small' }, `${o.clientIdentifier} · ${regionName(o.region)}`),
            o.actionRequired && o.status === 'ACTION_REQUIRED'
              ? h(
                  'span',
                  { class: 'feed-problem small' },
                  explain(o.actionRequired, o.actionRequired.step).what,
                )
              : null,
          ),
          h(
            'span',
            { class: 'feed-side' },
            badge(o.status, { 'data-testid': 'feed-status' }),
            h('span', { class: 'muted small' }, clock(o.updatedAt)),
          ),
        ),
      ),
    ),
  );
}

/** Opens an onboarding from the list: the backend issues a session token for it. */
async function show(id) {
  if (current?.id === id) return;
  try {
    const answer = await backend(
      'POST',
      `/demo/api/onboardings/${encodeURIComponent(id)}/session`,
      {},
    );
    open(answer, 'Opened from the list (the backend issued a session token).');
  } catch (error) {
    $('#form-error').textContent = error.message;
    $('#form-error').hidden = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The vendor's backend: the signed events the gateway POSTed to this panel's backend

/** Shows what the backend received, newest first; asks again every two seconds. */
async function pollVendorEvents() {
  try {
    const { events } = await backend('GET', '/demo/api/vendor-events');
    $('#vendor-events').replaceChildren(
      ...events.map((event) =>
        h(
          'li',
          {
            'data-testid': 'vendor-event',
            'data-type': event.type,
            'data-verified': String(event.verified),
          },
          h('strong', {}, event.type),
          ' ',
          event.clientIdentifier ?? '',
          ' ',
          h(
            'span',
            { class: event.verified ? 'small' : 'small form-error' },
            event.verified ? 'signature verified' : `refused: ${event.refused}`,
          ),
          ' ',
          h('span', { class: 'muted small' }, clock(new Date(event.at).toISOString())),
        ),
      ),
    );
    $('#vendor-events-empty').hidden = events.length > 0;
  } catch {
    // The next look tries again; the rest of the page does not depend on it.
  }
  setTimeout(pollVendorEvents, 2_000);
}

async function main() {
  const config = await backend('GET', '/demo/api/config');
  sendzenOrigin = config.sendzenOrigin;
  stepOrder = config.steps.map((step) => step.name);
  stepLabels = Object.fromEntries(config.steps.map((step) => [step.name, step.label]));
  stepDescriptions = Object.fromEntries(config.steps.map((s) => [s.name, s.description]));
  // The sandbox scenarios the backend offers (the `sandbox-scenario` label); the happy path first.
  const scenarios = config.scenarios?.length
    ? config.scenarios
    : [{ value: '', label: 'Happy path' }];
  $('#scenario').replaceChildren(
    ...scenarios.map((scenario) => h('option', { value: scenario.value }, scenario.label)),
  );
  // Meta's path needs a Meta app in the gateway's configuration (the sandbox has its stand-in's).
  $('#signup-path-field').hidden = !config.metaSignup;
  $('#feed-search').addEventListener('input', renderFeed);
  $('#feed-status').addEventListener('change', renderFeed);
  suggestIdentifier();
  connectFeed();
  void pollVendorEvents();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  const message = $('#form-error');
  message.textContent = `The demo could not start: ${error.message}`;
  message.hidden = false;
});
