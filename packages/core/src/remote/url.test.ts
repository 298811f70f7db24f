import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { resolveOptions } from '../site/options.js';
import { resolveRemote } from './settings.js';
import { redactRemoteUrl, remoteUrlSchema } from './url.js';

const parse = (url: string) => remoteUrlSchema.parse(url);
const problem = (url: string) => remoteUrlSchema.safeParse(url).error?.issues[0]?.message;

describe('remote URLs', () => {
  it('reads S3 (AWS, R2, MinIO) and Redis URLs', () => {
    expect(parse('s3://my-bucket')).toMatchObject({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(
      parse(
        's3://blog-cache/headers/v1/?endpoint=https://acc.r2.cloudflarestorage.com&region=auto',
      ),
    ).toMatchObject({
      kind: 's3',
      bucket: 'blog-cache',
      prefix: 'headers/v1',
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      region: 'auto',
      label: 's3://blog-cache/headers/v1?endpoint=https://acc.r2.cloudflarestorage.com&region=auto',
    });
    expect(parse('redis://cache.internal:6380/2')).toMatchObject({
      kind: 'redis',
      tls: false,
      host: 'cache.internal',
      port: 6380,
      db: 2,
      prefix: 'headerforge',
    });
    expect(parse('rediss://default:s3cret@cache:6379?prefix=blog')).toMatchObject({
      tls: true,
      port: 6379,
      db: 0,
      username: 'default',
      password: 's3cret',
      prefix: 'blog',
      label: 'rediss://default:***@cache:6379/0?prefix=blog',
    });
  });

  it('says what is wrong with a bad URL', () => {
    expect(problem('not a url')).toMatch(/^not a URL; expected s3:\/\/bucket/);
    expect(problem('https://example.com/cache')).toMatch(/unsupported scheme "https:"/);
    expect(problem('s3://Bad_Bucket/x')).toMatch(/^"Bad_Bucket" is not an S3 bucket name/);
    expect(problem('s3://AKIA:secret@bucket/x')).toMatch(/credentials do not belong/);
    expect(problem('s3://bucket/x?endpoint=ftp://host')).toMatch(/not an http\(s\) URL/);
    expect(problem('s3://bucket/x?endpoint=http://h&regoin=eu')).toMatch(
      /unknown parameter "regoin" \(known: endpoint, region\)/,
    );
    expect(problem('redis://host:6379/cache')).toMatch(/"\/cache" is not a database number/);
  });

  it('hides passwords from messages', () => {
    expect(redactRemoteUrl('redis://user:hunter2@host:6379/0')).toBe(
      'redis://user:***@host:6379/0',
    );
    expect(redactRemoteUrl('redis://:hunter2@host:99999/0')).not.toContain('hunter2');
  });
});

describe('the remote option and HEADERFORGE_REMOTE', () => {
  const root = '/site';
  it('takes a URL or { url, readOnly, timeoutMs }, with defaults', () => {
    expect(resolveOptions({ remote: 'redis://h:1/0' }, { root }).remote).toEqual({
      url: 'redis://h:1/0',
      readOnly: false,
      timeoutMs: 5000,
    });
    expect(
      resolveOptions({ remote: { url: 's3://b-1/p', readOnly: true, timeoutMs: 800 } }, { root })
        .remote,
    ).toEqual({ url: 's3://b-1/p', readOnly: true, timeoutMs: 800 });
  });

  it('names the option and hides the password when the URL is bad', () => {
    const error = (() => {
      try {
        resolveOptions({ remote: 'redis://:hunter2@h:1/zero' }, { root });
      } catch (caught) {
        return caught as HeaderforgeError;
      }
    })();
    expect(error).toBeInstanceOf(HeaderforgeError);
    expect(error?.code).toBe('invalid_option');
    expect(error?.message).toMatch(
      /^Invalid headerforge option "remote" \(.*\): "\/zero" is not a database number/,
    );
    expect(error?.message).not.toContain('hunter2');
    expect(() => resolveOptions({ remote: { url: 's3://b-1', readonly: true } }, { root })).toThrow(
      /option "remote": expected an s3:\/\/ or redis:\/\/ URL/,
    );
  });

  it('lets the environment beat the config, like OPENROUTER_BASE_URL', () => {
    const options = resolveOptions(
      { remote: { url: 's3://from-config', readOnly: false } },
      { root },
    );
    expect(resolveRemote(options, {})?.location.label).toBe('s3://from-config/');
    const fromEnv = resolveRemote(options, {
      HEADERFORGE_REMOTE: 'redis://ci-cache:6379/1',
      HEADERFORGE_REMOTE_READONLY: 'true',
    });
    expect(fromEnv).toMatchObject({
      source: 'HEADERFORGE_REMOTE',
      readOnly: true,
      location: { kind: 'redis', host: 'ci-cache', db: 1 },
    });
    expect(resolveRemote(options, { HEADERFORGE_REMOTE: 'off' })).toBeUndefined();
    expect(resolveRemote(resolveOptions({}, { root }), {})).toBeUndefined();
    expect(() => resolveRemote(options, { HEADERFORGE_REMOTE: 'ftp://x' })).toThrow(
      /^HEADERFORGE_REMOTE \("ftp:\/\/x\/?"\): unsupported scheme/,
    );
    expect(() => resolveRemote(options, { HEADERFORGE_REMOTE_READONLY: 'maybe' })).toThrow(
      /HEADERFORGE_REMOTE_READONLY="maybe" is not a yes or no/,
    );
  });
});
