// The partner-panel demo: what a vendor's panel does in the browser, the right way round.
//
// - The panel's backend (/demo/api/...) holds the API key. It starts the onboarding and answers
//   with the SendZen iframe URL and a session token for that one onboarding; nothing else.
// - With the session token the browser watches the onboarding (GraphQL subscription over SSE) and
//   relays the result the SendZen iframe posts (after checking where the message came from).
// - Retrying, refreshing the link and the list of every onboarding need the API key, so they go
//   through the backend too.
//
// Plain modern JavaScript, no build step, nothing loaded from anywhere but this gateway.

/** The gateway's step order, served by the demo backend (/demo/api/config). */
let stepOrder = [];

/** Renew the iframe link and the session token this long before they expire. */
const REFRESH_MARGIN_MS = 2 * 60 * 1000;
/** Never renew more often than this, whatever the clocks say. */
const MIN_REFRESH_GAP_MS = 10 * 1000;

const WATCH = /* GraphQL */ `
  subscription Watch($id: ID!) {
    onboardingUpdated(id: $id) {
      id version clientIdentifier displayName region status createdAt updatedAt cancelledAt
      iframeUrl iframeUrlExpiresAt sendzenProjectId subprojectId
      signup { status source wabaId phoneNumberId message }
      actionRequired { step upstream code message retryable }
      steps {
        name label status attempts startedAt finishedAt updatedAt nextAttemptAt upstreamId
        error { upstream code message retryable }
      }
      sender { id state region wabaId phoneNumberId bearerTokenPreview }
      conversationApp { id region displayName credentialStatus }
      webhooks { id target triggers }
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

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: steps often finish within the same second. */
function clock(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return h(
    'time',
    { datetime: iso, title: d.toString() },
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`,
  );
}

function badge(status, attributes = {}) {
  return h(
    'span',
    { class: `badge ${String(status).toLowerCase()}`, ...attributes },
    String(status).replace('_', ' '),
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
  if (!res.ok) throw new Error(data.error ?? `The panel's backend answered ${res.status}`);
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
 *   watching: boolean
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
  };
  current = session;
  $('#activity').replaceChildren();
  $('#onboarding').hidden = false;
  for (const body of $('#steps-table').querySelectorAll('tbody')) body.remove();
  $('#ready').hidden = true;
  $('#action-required').hidden = true;
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
 * link would let the customer try again, which is the retry button's decision.
 */
function linkLive(onboarding) {
  return signupOpen(onboarding) && stepOf(onboarding, 'CUSTOMER_SIGNUP')?.status !== 'FAILED';
}

// ---------------------------------------------------------------------------------------------
// The SendZen iframe, its postMessage, and keeping its link fresh
// ---------------------------------------------------------------------------------------------

function showIframe(session, url, expiresAt) {
  const body = $('#signup-body');
  const expiry = $('#link-expiry');
  const onboarding = session.onboarding;
  if (!signupOpen(onboarding)) {
    expiry.textContent = '';
    const signup = onboarding.signup;
    body.replaceChildren(
      onboarding.status === 'CANCELLED'
        ? h('p', { class: 'muted' }, 'The onboarding was cancelled.')
        : h(
            'p',
            { class: 'done', 'data-testid': 'signup-done' },
            '✓ The customer completed the signup',
            signup?.wabaId
              ? ` — WABA ${signup.wabaId}, phone number id ${signup.phoneNumberId}`
              : '',
            signup?.source ? ` (reported by ${signup.source.toLowerCase()})` : '',
            '.',
          ),
    );
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
    expiry.replaceChildren('link valid until ', clock(expiresAt));
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

window.addEventListener('message', (event) => {
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
});

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

/** When the link or the token needs renewing (server time), or null when neither does. */
function refreshDue(session) {
  const onboarding = session.onboarding;
  if (onboarding?.status === 'CANCELLED') return null;
  let due = session.tokenExpiresAt;
  if (linkLive(onboarding) && onboarding?.iframeUrlExpiresAt) {
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
  const link = linkLive(session.onboarding);
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
// Rendering the onboarding
// ---------------------------------------------------------------------------------------------

function render(session) {
  const o = session.onboarding;
  $('#ob-title').textContent = o.displayName;
  $('#ob-meta').replaceChildren(
    `${o.clientIdentifier} · region ${o.region} · started `,
    clock(o.createdAt),
    ` · version ${o.version}`,
  );
  const status = $('#status');
  status.textContent = o.status.replace('_', ' ');
  status.className = `badge large ${o.status.toLowerCase()}`;
  status.dataset.status = o.status;

  const action = $('#action-required');
  action.hidden = o.status !== 'ACTION_REQUIRED' || !o.actionRequired;
  if (o.actionRequired) {
    const a = o.actionRequired;
    $('#action-message').textContent =
      `${a.step}${a.upstream ? ` (${a.upstream})` : ''}: ${a.message} [${a.code}]` +
      (a.retryable ? '' : ' — a retry cannot help; start a new onboarding.');
    $('#retry').hidden = !a.retryable;
  }

  showIframe(session, o.iframeUrl, o.iframeUrlExpiresAt);
  renderSteps(o);
  renderReady(o);
}

function renderSteps(o) {
  const steps = [...o.steps].sort((a, b) => stepOrder.indexOf(a.name) - stepOrder.indexOf(b.name));
  const table = $('#steps-table');
  for (const body of table.querySelectorAll('tbody')) body.remove();
  // One tbody per step: its row, and under it the error or the next attempt when there is one.
  for (const step of steps) {
    const error = step.error;
    const extra =
      error || step.nextAttemptAt
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
                    h('strong', {}, error.message),
                    h(
                      'small',
                      {},
                      ` ${error.upstream ?? 'gateway'} · ${error.code}` +
                        (error.retryable ? ' · retryable' : ' · not retryable'),
                    ),
                  )
                : null,
              step.nextAttemptAt
                ? h('small', { class: 'next' }, ' next attempt ', clock(step.nextAttemptAt))
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

function renderReady(o) {
  const ready = $('#ready');
  ready.hidden = !(o.sender || o.conversationApp);
  if (ready.hidden) return;
  const sender = o.sender;
  definitions('#sender', [
    ['Sender id', sender ? h('code', {}, sender.id) : null],
    ['State', sender ? badge(sender.state) : null],
    ['Region', sender?.region],
    ['WABA id', sender?.wabaId],
    ['Phone number id', sender?.phoneNumberId],
    ['Bearer token', sender?.bearerTokenPreview],
  ]);
  const app = o.conversationApp;
  definitions('#app', [
    ['App id', app ? h('code', {}, app.id) : null],
    ['Display name', app?.displayName],
    ['Region', app?.region],
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
  const items = [...feed.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  $('#feed-empty').hidden = items.length > 0;
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
            h('span', { class: 'muted small' }, `${o.clientIdentifier} · ${o.region}`),
            o.actionRequired
              ? h('span', { class: 'feed-problem small' }, o.actionRequired.message)
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

async function main() {
  const config = await backend('GET', '/demo/api/config');
  sendzenOrigin = config.sendzenOrigin;
  stepOrder = config.steps.map((step) => step.name);
  suggestIdentifier();
  connectFeed();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  const message = $('#form-error');
  message.textContent = `The demo could not start: ${error.message}`;
  message.hidden = false;
});
