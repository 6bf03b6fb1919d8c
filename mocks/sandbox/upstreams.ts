// One port serves every fake upstream; a path prefix says which one a request is for. The clients
// use `${url}${prefix}` as their base URL and append the paths the real API documents.
import type { ConversationRegion } from '../../src/upstreams/sinch/contract.ts';

export const UPSTREAM_NAMES = [
  'sendzen',
  'sinch-auth',
  'subprojects',
  'provisioning',
  'conversation',
] as const;
export type UpstreamName = (typeof UPSTREAM_NAMES)[number];

export const UPSTREAM_PREFIXES: Record<UpstreamName, string> = {
  sendzen: '/sendzen',
  'sinch-auth': '/sinch/auth',
  subprojects: '/sinch/subprojects',
  provisioning: '/sinch/provisioning',
  conversation: '/sinch/conversation',
};

export const SANDBOX_PREFIX = '/_sandbox';

export interface SandboxUrls {
  sendzen: string;
  sinchAuth: string;
  subprojects: string;
  provisioning: string;
  conversation: Record<ConversationRegion, string>;
  sandbox: string;
  /**
   * The origin SendZen's onboarding iframe is served from and posts its result from: a port of its
   * own, as app.sendzen.io is not the partner's origin (contracts A.2).
   */
  sendzenIframe: string;
  /**
   * The origin of the stand-in for Meta's JavaScript SDK (`${meta}/sdk.js`) and its Embedded Signup
   * window (meta-standin.ts): a port of its own, as connect.facebook.net and facebook.com are not
   * the vendor's origin, so the vendor's page must check where Meta's message came from.
   */
  meta: string;
}

export function urlsFor(base: string, iframeBase = base, metaBase = base): SandboxUrls {
  const conversation = `${base}${UPSTREAM_PREFIXES.conversation}`;
  return {
    sendzenIframe: iframeBase,
    meta: metaBase,
    sendzen: `${base}${UPSTREAM_PREFIXES.sendzen}`,
    sinchAuth: `${base}${UPSTREAM_PREFIXES['sinch-auth']}`,
    subprojects: `${base}${UPSTREAM_PREFIXES.subprojects}`,
    provisioning: `${base}${UPSTREAM_PREFIXES.provisioning}`,
    conversation: {
      us: `${conversation}/us`,
      eu: `${conversation}/eu`,
      br: `${conversation}/br`,
    },
    sandbox: `${base}${SANDBOX_PREFIX}`,
  };
}

export interface UpstreamLocation {
  upstream: UpstreamName;
  /** The Conversation API host region, taken from the path; not checked here. */
  region?: string;
  /** The path as the real upstream would see it: after the prefix (and region). */
  path: string;
}

function under(pathname: string, prefix: string): string | undefined {
  if (pathname === prefix) return '/';
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
}

export function locateUpstream(pathname: string): UpstreamLocation | undefined {
  for (const upstream of UPSTREAM_NAMES) {
    const rest = under(pathname, UPSTREAM_PREFIXES[upstream]);
    if (rest === undefined) continue;
    if (upstream !== 'conversation') return { upstream, path: rest };
    const [, region = '', ...segments] = rest.split('/');
    return { upstream, region, path: `/${segments.join('/')}` };
  }
  return undefined;
}

export function isSandboxPath(pathname: string): boolean {
  return under(pathname, SANDBOX_PREFIX) !== undefined;
}
