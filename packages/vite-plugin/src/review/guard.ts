import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ViteDevServer } from 'vite';

/** The header every write carries: a page from another site cannot read the token to send it. */
export const TOKEN_HEADER = 'x-headerforge-token';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The review page's safety checks. Its writes cost money and change files, so a request is
 * refused unless it is addressed to the dev server's own host (no DNS rebinding) and, for a
 * write, comes from the page itself: same Origin as Host, and this server's session token.
 */
export interface ReviewGuard {
  /** The token the page is served with; new for every dev server. */
  readonly token: string;
  /** Why `request` may not see the page at all, or undefined. */
  refuseHost(request: IncomingMessage): string | undefined;
  /** Why `request` may not write, or undefined. */
  refuseWrite(request: IncomingMessage): string | undefined;
}

export function createReviewGuard(server: ViteDevServer): ReviewGuard {
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(token);

  /** The names this server answers to: loopback, its own URLs, and what the config allows. */
  const ownHostnames = () => {
    const names = new Set(LOOPBACK);
    const { host, allowedHosts } = server.config.server;
    if (typeof host === 'string') names.add(host.toLowerCase());
    if (Array.isArray(allowedHosts)) for (const name of allowedHosts) names.add(name.toLowerCase());
    const urls = server.resolvedUrls;
    for (const url of [...(urls?.local ?? []), ...(urls?.network ?? [])])
      names.add(new URL(url).hostname.toLowerCase());
    return names;
  };

  /** The port the server listens on; unknown in middleware mode (the host's server, e.g. Astro's). */
  const ownPort = () => {
    const address = server.httpServer?.address();
    return address && typeof address === 'object' ? String(address.port) : undefined;
  };

  const refuseHost = (request: IncomingMessage) => {
    const host = request.headers.host;
    if (!host) return 'the request names no Host';
    let url: URL;
    try {
      url = new URL(`http://${host}`);
    } catch {
      return `Host "${host}" is not a host name`;
    }
    if (!ownHostnames().has(url.hostname.toLowerCase()))
      return `Host "${host}" is not this dev server's host`;
    const port = ownPort();
    if (port && (url.port || '80') !== port) return `Host "${host}" is not this dev server's port`;
    return undefined;
  };

  return {
    token,
    refuseHost,
    refuseWrite(request) {
      const refused = refuseHost(request);
      if (refused) return refused;
      const { origin, host } = request.headers;
      if (!origin) return 'a write must come from the review page (no Origin header)';
      let from: URL;
      try {
        from = new URL(origin);
      } catch {
        return `Origin "${origin}" is not a URL`;
      }
      if (!/^https?:$/.test(from.protocol) || from.host !== host)
        return `Origin "${origin}" is not the review page's origin`;
      const site = request.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') return `a ${site} request may not write`;
      const sent = request.headers[TOKEN_HEADER];
      const given = Buffer.from(typeof sent === 'string' ? sent : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return 'the review session token is missing or wrong (reload the review page)';
      return undefined;
    },
  };
}
