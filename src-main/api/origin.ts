/**
 * Host and Origin checks against DNS rebinding and cross-site requests, for HTTP and the WebSocket upgrade alike.
 * A Host must be an IP literal (a rebinding attack needs a name it controls), `localhost`, or a name the operator
 * allowed; an Origin, when sent, must be this same host or an allowed origin.
 */
import { isIP } from 'node:net';

export interface OriginPolicy {
  /** Extra host names (without port) the server answers to, e.g. a classroom machine's name. */
  readonly allowedHosts?: readonly string[];
  /** Extra origins (scheme://host:port) allowed to call the API from a browser. */
  readonly allowedOrigins?: readonly string[];
}

function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** null when the Host header is acceptable, else why not. */
export function checkHost(host: string | undefined, policy: OriginPolicy): string | null {
  if (host === undefined || host === '') return 'no Host header';
  const name = hostName(host).toLowerCase();
  if (isIP(name) !== 0 || name === 'localhost') return null;
  if (policy.allowedHosts?.some((h) => h.toLowerCase() === name)) return null;
  return `Host ${name} is not allowed (start with --allowed-host ${name} to serve it)`;
}

/** null when the Origin header is absent or acceptable, else why not. */
export function checkOrigin(origin: string | undefined, host: string | undefined, policy: OriginPolicy): string | null {
  if (origin === undefined) return null;
  if (policy.allowedOrigins?.includes(origin)) return null;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return `Origin ${origin} is not a URL`;
  }
  if (
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    host !== undefined &&
    u.host.toLowerCase() === host.toLowerCase()
  ) {
    return null;
  }
  return `Origin ${origin} is not allowed`;
}
