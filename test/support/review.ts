import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * A request with exactly the headers given (fetch sets its own Host, Origin and
 * Sec-Fetch-*): what another site, or a rebinding DNS name, could send the dev server.
 */
export function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { method, headers: { host: url.host, ...headers }, setHost: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** The review page's session token, as its page carries it. */
export async function reviewToken(base: string): Promise<string> {
  const page = await raw(base, 'GET', '/__headerforge/');
  const token = /<meta name="headerforge-token" content="([^"]+)">/.exec(page.body)?.[1];
  if (!token) throw new Error(`no token in the review page (status ${page.status})`);
  return token;
}

/** A write as the review page sends it. */
export function reviewWrite(
  base: string,
  action: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  return raw(
    base,
    'POST',
    `/__headerforge/api/${action}`,
    { 'content-type': 'application/json', origin: new URL(base).origin, ...headers },
    JSON.stringify(body),
  );
}
