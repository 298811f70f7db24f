import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { AwsV4Signer } from 'aws4fetch';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import {
  type BackendOptions,
  LEASE_FOLDER,
  type RemoteBackend,
  type RemoteLeaseHandle,
} from './backend.js';
import { remoteError } from './error.js';
import { importPeer } from './peer.js';
import type { RemoteLocation } from './url.js';

type S3Location = Extract<RemoteLocation, { kind: 's3' }>;

/** Retries of a 5xx or 429 answer, after a random pause of up to `RETRY_MS`. */
const RETRIES = 1;
const RETRY_MS = 100;

interface S3Credentials {
  AwsV4Signer: typeof AwsV4Signer;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  cache: Map<string, ArrayBuffer>;
}

/**
 * AWS S3 and S3-compatible stores (R2, MinIO, …) over plain HTTPS, signed with aws4fetch
 * (SigV4, no dependencies) rather than the AWS SDK: headerforge needs five calls, and the
 * SDK would add dozens of packages to every site's install.
 *
 * The first writer wins through conditional writes: `If-None-Match: *` creates an object
 * only if none exists (S3 answers 412, or 409 while another conditional write of that
 * name is in flight). A lease is a small object made the same way; an expired one is taken
 * over with `If-Match: <its ETag>`, so two waiters cannot both take it.
 */
export function createS3Backend(location: S3Location, options: BackendOptions): RemoteBackend {
  const { env, timeoutMs } = options;
  const region =
    location.region ?? (env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1');
  let credentials: Promise<S3Credentials> | undefined;
  // aws4fetch is loaded on the first request: a site without an S3 remote never loads it.
  const signer = () => {
    credentials ??= loadCredentials();
    return credentials;
  };
  const loadCredentials = async (): Promise<S3Credentials> => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
    const noKeys = 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set';
    const keysHint = 'Set the store’s access key in the environment (for R2 and MinIO too).';
    // The package first, and both mistakes in one message when both are made: told of one,
    // a user would fix it only to meet the other on the next build.
    let signer: typeof import('aws4fetch');
    try {
      signer = await importPeer('aws4fetch', location.label, () => import('aws4fetch'));
    } catch (error) {
      if ((accessKeyId && secretAccessKey) || !isHeaderforgeError(error)) throw error;
      const { message, hint } = error;
      throw new HeaderforgeError('remote_unavailable', `${message}, and ${noKeys}`, {
        cause: error,
        hint: hint ? `${hint} ${keysHint}` : keysHint,
      });
    }
    if (!accessKeyId || !secretAccessKey) {
      throw new HeaderforgeError('remote_unavailable', `${location.label}: ${noKeys}`, {
        hint: keysHint,
      });
    }
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    const { AwsV4Signer } = signer;
    return {
      AwsV4Signer,
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      // Derived signing keys, reused for the day they are valid.
      cache: new Map<string, ArrayBuffer>(),
    };
  };

  const bucketUrl = (() => {
    if (location.endpoint) return `${location.endpoint.replace(/\/+$/, '')}/${location.bucket}`;
    // Virtual-hosted style, as AWS recommends; a bucket with dots breaks TLS that way.
    return location.bucket.includes('.')
      ? `https://s3.${region}.amazonaws.com/${location.bucket}`
      : `https://${location.bucket}.s3.${region}.amazonaws.com`;
  })();
  const objectName = (name: string) => (location.prefix ? `${location.prefix}/${name}` : name);
  const objectUrl = (name: string) =>
    `${bucketUrl}/${objectName(name).split('/').map(encodeURIComponent).join('/')}`;

  /**
   * One signed call, with one quick retry of a 5xx or 429 (anything slower is the
   * fallback's business), all within one `timeoutMs`.
   *
   * The request is signed here and handed to `fetch` as a URL and options, never as a
   * `Request` object: undici holds a `Request`'s own abort controller only weakly, so a
   * garbage collection during the call cut the timeout off it and a store that never
   * answered hung the build for ever (aws4fetch's `AwsClient.fetch` passes a `Request`).
   */
  async function request(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Response> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const { AwsV4Signer, ...keys } = await signer();
      for (let attempt = 0; ; attempt++) {
        const signed = await new AwsV4Signer({
          ...keys,
          service: 's3',
          region,
          method,
          url,
          ...(init.headers ? { headers: init.headers } : {}),
          ...(init.body ? { body: init.body } : {}),
        }).sign();
        const response = await fetch(signed.url, {
          method: signed.method,
          headers: signed.headers,
          ...(init.body ? { body: init.body } : {}),
          signal,
        });
        if (attempt >= RETRIES || (response.status < 500 && response.status !== 429)) {
          return response;
        }
        await response.body?.cancel();
        await delay(Math.random() * RETRY_MS, undefined, { signal });
      }
    } catch (error) {
      throw remoteError(location.label, error, timeoutMs);
    }
  }

  async function failed(response: Response, what: string): Promise<HeaderforgeError> {
    return failure(response.status, await response.text().catch(() => ''), what);
  }

  function failure(status: number, text: string, what: string): HeaderforgeError {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const denied = status === 401 || status === 403;
    return new HeaderforgeError(
      'remote_unavailable',
      `${location.label}: ${what} answered ${status}${code ? ` ${code}` : ''}`,
      {
        status,
        ...(denied
          ? { hint: 'Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket’s policy.' }
          : status === 404
            ? { hint: 'Check that the bucket exists and the endpoint and region are right.' }
            : {}),
      },
    );
  }

  async function get(name: string): Promise<Uint8Array | undefined> {
    const response = await request('GET', objectUrl(name));
    if (response.status === 404) {
      const text = await response.text().catch(() => '');
      // A missing bucket is a misconfiguration, not a cache miss.
      if (text.includes('NoSuchBucket')) throw failure(404, text, `GET ${name}`);
      return undefined;
    }
    if (!response.ok) throw await failed(response, `GET ${name}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** PUT with a condition: the new ETag, or undefined when the condition did not hold. */
  async function putIf(
    name: string,
    body: Uint8Array,
    contentType: string,
    condition: { 'If-None-Match': '*' } | { 'If-Match': string },
  ): Promise<string | undefined> {
    const response = await request('PUT', objectUrl(name), {
      headers: { 'Content-Type': contentType, ...condition },
      body,
    });
    if (response.status === 412 || response.status === 409) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await failed(response, `PUT ${name}`);
    await response.body?.cancel();
    return response.headers.get('etag') ?? '';
  }

  async function list(): Promise<string[]> {
    const names: string[] = [];
    const base = location.prefix ? `${location.prefix}/` : '';
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix: base });
      if (token) query.set('continuation-token', token);
      const response = await request('GET', `${bucketUrl}?${query}`);
      if (!response.ok) throw await failed(response, 'LIST');
      const xml = await response.text();
      for (const match of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) {
        const name = unescapeXml(match[1] as string).slice(base.length);
        if (!name.startsWith(`${LEASE_FOLDER}/`)) names.push(name);
      }
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        ? unescapeXml(
            /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '',
          )
        : undefined;
    } while (token);
    return names;
  }

  async function tryLease(name: string, ttlMs: number): Promise<RemoteLeaseHandle | undefined> {
    const leaseName = `${LEASE_FOLDER}/${name}`;
    const token = randomBytes(8).toString('hex');
    const body = (beat: number) =>
      new TextEncoder().encode(
        JSON.stringify({ token, host: hostname(), pid: process.pid, ttlMs, beat }),
      );
    let etag = await putIf(leaseName, body(0), 'application/json', { 'If-None-Match': '*' });
    if (etag === undefined) {
      const held = await request('HEAD', objectUrl(leaseName));
      if (held.status === 404) return undefined; // released meanwhile: the caller tries again
      if (!held.ok) throw await failed(held, `HEAD ${leaseName}`);
      // Age by the store's own clock (its Date and Last-Modified), so skewed runners agree.
      const now = Date.parse(held.headers.get('date') ?? '');
      const modified = Date.parse(held.headers.get('last-modified') ?? '');
      const expired = Number.isFinite(now) && Number.isFinite(modified) && now - modified > ttlMs;
      const current = held.headers.get('etag');
      if (!expired || !current) return undefined;
      etag = await putIf(leaseName, body(0), 'application/json', { 'If-Match': current });
      if (etag === undefined) return undefined;
    }
    let beat = 0;
    let ours: string = etag;
    return {
      async refresh() {
        beat += 1;
        const next = await putIf(leaseName, body(beat), 'application/json', { 'If-Match': ours });
        if (next === undefined) return false;
        ours = next;
        return true;
      },
      async release() {
        // Only our own lease: after an expiry someone else may hold it now. The delete is
        // conditional on the ETag we last wrote, so it is atomic: a lease taken over between
        // any check and the delete is never removed.
        const conditional = await request('DELETE', objectUrl(leaseName), {
          headers: { 'If-Match': ours },
        });
        await conditional.body?.cancel();
        // Deleted, gone already, or someone else's now.
        if (conditional.ok || conditional.status === 404 || conditional.status === 412) return;
        // A store without conditional deletes (answering 400 or 501): the lease's token is
        // checked first instead, which leaves a moment for a takeover to be lost.
        const current = await get(leaseName);
        if (!current) return;
        const holder = JSON.parse(new TextDecoder().decode(current)) as { token?: string };
        if (holder.token !== token) return;
        const response = await request('DELETE', objectUrl(leaseName));
        await response.body?.cancel();
      },
    };
  }

  return {
    label: location.label,
    get,
    async create(name, bytes, contentType) {
      return (await putIf(name, bytes, contentType, { 'If-None-Match': '*' })) !== undefined;
    },
    list,
    tryLease,
    async close() {},
  };
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
