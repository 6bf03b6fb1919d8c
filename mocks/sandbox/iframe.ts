// The page behind a fake SendZen `iframe_url`. It stands in for the customer running Meta's
// Embedded Signup inside SendZen's iframe: a button for each thing a customer may do (complete,
// cancel, fail midway, complete slowly, close the window), and the result posted to the embedding
// page exactly as SendZen posts it. Self-contained (no external assets): the sandbox works offline.
import { escapeHtml, scriptJson } from '../../src/html.ts';

export interface SignupPage {
  clientIdentifier: string;
  projectId: string;
  token: string;
  expiresAt: number;
  resultPath: string;
  /** The customer's scenario, shown so a person knows what the fake will do. */
  scenario?: string;
}

/** The look of the pages the fake serves to a person (this iframe, the Meta stand-in's window). */
export const PAGE_STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f4f6f8; color: #1d2733; }
  main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff;
         border-radius: 12px; box-shadow: 0 1px 4px rgb(0 0 0 / 0.12); }
  .badge { display: inline-block; margin: 0; padding: 0.1rem 0.5rem; border-radius: 999px;
           background: #fff3cd; color: #7a5b00; font-size: 0.75rem; font-weight: 600; }
  h1 { font-size: 1.25rem; margin: 0.75rem 0 0.5rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; font-size: 0.9rem; }
  dt { color: #5b6b7b; } dd { margin: 0; word-break: break-all; }
  .actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin-top: 1.25rem; }
  .actions button { flex: 1 1 40%; }
  progress { width: 100%; margin-top: 0.5rem; }
  button { flex: 1; padding: 0.6rem; border: 0; border-radius: 8px; font: inherit; cursor: pointer;
           background: #128c7e; color: #fff; font-weight: 600; }
  button.secondary { background: #e3e8ee; color: #1d2733; }
  button:disabled { opacity: 0.5; cursor: default; }
  #status { min-height: 1.5rem; margin-top: 1rem; font-size: 0.9rem; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<p class="badge">SendZen sandbox</p>
${body}
</main>
</body>
</html>`;
}

export function renderSignupPage(page: SignupPage): string {
  return layout(
    'Connect WhatsApp Business',
    `<h1>Connect WhatsApp Business</h1>
<p>This page plays the customer's part of the onboarding. Choose how the signup ends.</p>
<dl>
<dt>Customer</dt><dd id="client-identifier">${escapeHtml(page.clientIdentifier)}</dd>
<dt>Project</dt><dd>${escapeHtml(page.projectId)}</dd>
<dt>Link expires</dt><dd>${new Date(page.expiresAt).toISOString()}</dd>
${page.scenario ? `<dt>Scenario</dt><dd id="scenario">${escapeHtml(page.scenario)}</dd>` : ''}
</dl>
<div class="actions">
<button id="complete" type="button" data-action="complete">Complete signup</button>
<button id="cancel" type="button" class="secondary" data-action="cancel">Cancel</button>
<button id="error" type="button" class="secondary" data-action="error">Fail midway</button>
<button id="slow" type="button" class="secondary" data-action="slow">Complete slowly</button>
<button id="close" type="button" class="secondary" data-action="close">Close window</button>
</div>
<progress id="progress" hidden></progress>
<p id="status" role="status" aria-live="polite"></p>
<script>
(function () {
  var token = ${scriptJson(page.token)};
  var resultPath = ${scriptJson(page.resultPath)};
  var status = document.getElementById('status');
  var progress = document.getElementById('progress');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button'));
  function setBusy(busy) { buttons.forEach(function (b) { b.disabled = busy; }); }
  function finish(action) {
    setBusy(true);
    progress.hidden = action !== 'slow';
    status.textContent = action === 'slow'
      ? 'Connecting your WhatsApp Business Account (this takes a while)...'
      : 'Sending the result...';
    fetch(resultPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token, action: action })
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body.message || 'HTTP ' + res.status);
          return body.result;
        });
      })
      .then(function (result) {
        progress.hidden = true;
        if (result === null) {
          // Closed: nothing posted, no webhook; the embedding page sees the customer leave.
          status.dataset.outcome = 'closed';
          status.textContent = 'The window was closed without finishing the signup.';
          window.close();
          return;
        }
        window.parent.postMessage(result, '*');
        status.dataset.outcome = result.status;
        status.textContent = result.status === 'completed'
          ? 'Signup completed: WABA ' + result.waba_id + ', phone number ' + result.phone_number_id + '.'
          : 'Signup failed: ' + result.message;
      })
      .catch(function (error) {
        progress.hidden = true;
        status.textContent = 'The result could not be recorded: ' + error.message;
        setBusy(false);
      });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () { finish(b.dataset.action); });
  });
})();
</script>`,
  );
}

export function renderLinkExpiredPage(): string {
  return layout(
    'Onboarding link expired',
    `<h1>This onboarding link has expired</h1>
<p>Onboarding links are valid for a limited time. Ask for a new link and try again.</p>`,
  );
}

export function renderLinkNotFoundPage(): string {
  return layout(
    'Onboarding link not found',
    `<h1>This onboarding link is not valid</h1>
<p>The link is unknown. Check that it was copied completely, or ask for a new one.</p>`,
  );
}
