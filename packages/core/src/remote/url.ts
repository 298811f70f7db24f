import { z } from 'zod';

/**
 * Where a shared remote cache lives, parsed from one URL so it fits in an environment
 * variable (`HEADERFORGE_REMOTE`) as well as in the `remote` option. Credentials never go
 * in the URL for S3 (they come from the usual AWS variables); Redis allows them there, as
 * every Redis client does, and they are redacted from every message.
 */
export type RemoteLocation =
  | {
      kind: 's3';
      bucket: string;
      /** Object name prefix without leading or trailing slashes; may be empty. */
      prefix: string;
      /** S3-compatible API root (R2, MinIO, …); unset means AWS itself. */
      endpoint?: string | undefined;
      region?: string | undefined;
      /** The URL with nothing secret in it, for messages. */
      label: string;
    }
  | {
      kind: 'redis';
      tls: boolean;
      host: string;
      port: number;
      db: number;
      username?: string | undefined;
      password?: string | undefined;
      /** Prepended to every Redis key, followed by a colon. */
      prefix: string;
      label: string;
    };

const S3_QUERY = ['endpoint', 'region'];
const REDIS_QUERY = ['prefix'];
// Bucket names as S3 defines them (lowercase letters, digits, dots and hyphens, 3–63 long).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EXAMPLES =
  's3://bucket/prefix?endpoint=https://…&region=… or redis://host:6379/0 (rediss:// for TLS)';

/** The URL schema: every problem is one sentence naming the part of the URL that is wrong. */
export const remoteUrlSchema = z.string().transform((text, ctx): RemoteLocation => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return fail(`not a URL; expected ${EXAMPLES}`);
  }
  if (url.protocol === 's3:') return parseS3(url, fail);
  if (url.protocol === 'redis:' || url.protocol === 'rediss:') return parseRedis(url, fail);
  return fail(`unsupported scheme "${url.protocol}"; expected ${EXAMPLES}`);
});

function unknownQuery(url: URL, allowed: string[]): string | undefined {
  const unknown = [...url.searchParams.keys()].filter((name) => !allowed.includes(name));
  return unknown.length > 0
    ? `unknown parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${allowed.join(', ')})`
    : undefined;
}

function parseS3(url: URL, fail: (message: string) => never): RemoteLocation {
  if (url.username || url.password) {
    return fail(
      'credentials do not belong in an s3:// URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  }
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) {
    return fail(
      bucket
        ? `"${bucket}" is not an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)`
        : 'the bucket is missing, as in s3://bucket/prefix',
    );
  }
  if (url.port) return fail('an s3:// URL has no port; put the server in ?endpoint=');
  const unknown = unknownQuery(url, S3_QUERY);
  if (unknown) return fail(unknown);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) {
    return fail('the prefix may not contain "." or ".." segments');
  }
  const endpoint = url.searchParams.get('endpoint')?.trim() || undefined;
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) {
      return fail(`endpoint "${endpoint}" is not an http(s) URL`);
    }
    if (parsed.username || parsed.password) {
      return fail(
        'the endpoint may not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
    }
  }
  const region = url.searchParams.get('region')?.trim() || undefined;
  const query = new URLSearchParams();
  if (endpoint) query.set('endpoint', endpoint);
  if (region) query.set('region', region);
  const rest = query.size > 0 ? `?${decodeURIComponent(query.toString())}` : '';
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint,
    region,
    label: `s3://${bucket}/${prefix}${rest}`,
  };
}

function parseRedis(url: URL, fail: (message: string) => never): RemoteLocation {
  if (!url.hostname) return fail('the host is missing, as in redis://host:6379/0');
  const unknown = unknownQuery(url, REDIS_QUERY);
  if (unknown) return fail(unknown);
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    return fail(`"/${path}" is not a database number, as in redis://host:6379/0`);
  }
  const prefix = url.searchParams.get('prefix')?.trim() || 'headerforge';
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const tls = url.protocol === 'rediss:';
  const port = url.port ? Number(url.port) : 6379;
  const db = path === '' ? 0 : Number(path);
  const auth = username || password ? `${username ?? ''}${password ? ':***' : ''}@` : '';
  return {
    kind: 'redis',
    tls,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    username,
    password,
    prefix,
    label: `${url.protocol}//${auth}${url.host}/${db}${prefix === 'headerforge' ? '' : `?prefix=${prefix}`}`,
  };
}

/**
 * A remote URL as it may appear in a message: the password (if any) replaced by `***`.
 * For text that failed to parse, anything between `//` and `@` is hidden.
 */
export function redactRemoteUrl(text: string): string {
  try {
    const url = new URL(text.trim());
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//***@');
  }
}
