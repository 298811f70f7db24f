import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createPlaceholderProvider, type HeaderforgeError } from '@headerforge/core';
import {
  createRedisBackend,
  createRemoteCache,
  createS3Backend,
  generationKey,
  openRemote,
  type RemoteCache,
  remoteNames,
  resolveRemote,
  type Sidecar,
  sha256Hex,
} from '@headerforge/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyInputOf } from './support/build-process.js';
import { type RunningStore, STORES, startRedis, uniquePrefix } from './support/stores.js';
import { until } from './support/until.js';

// The remote layer against real servers: Debian's redis-server and moto's S3, on 127.0.0.1.

const stores = STORES;

setFlagsFromString('--expose-gc');
/** V8's full collection, as `--expose-gc` would give it. */
const collectGarbage = runInNewContext('gc') as () => void;

/** A real, decodable image with a sidecar as a build would write it. */
async function entryFor(prompt: string): Promise<{ sidecar: Sidecar; bytes: Uint8Array }> {
  const input = keyInputOf(prompt);
  const art = await createPlaceholderProvider().generate({
    file: 'post.md',
    prompt,
    userPrompt: prompt,
    alt: prompt,
    model: input.model,
    aspectRatio: '16:9',
    imageSize: '1K',
    focus: 'attention',
    auto: false,
  });
  const key = generationKey(input);
  const sidecar: Sidecar = {
    schema: 1,
    key,
    provider: 'openrouter',
    placeholder: false,
    prompt,
    model: input.model,
    aspectRatio: '16:9',
    imageSize: '1K',
    seed: null,
    file: `${key}.png`,
    mediaType: 'image/png',
    sha256: sha256Hex(art.bytes),
    bytes: art.bytes.byteLength,
    width: art.width,
    height: art.height,
    created: new Date().toISOString(),
    costUsd: 0.04,
    generationId: 'gen-test',
    usage: null,
    sources: ['post.md'],
  };
  return { sidecar, bytes: art.bytes };
}

describe.each(Object.keys(stores))('the remote cache on %s', (kind) => {
  let store: RunningStore;
  beforeAll(async () => {
    store = await (stores[kind] as () => Promise<RunningStore>)();
  });
  afterAll(async () => {
    await store?.stop();
  });

  const open = (
    prefix: string,
    extra: { readOnly?: boolean; onUnavailable?: (error: HeaderforgeError) => void } = {},
  ): RemoteCache => {
    const env = { ...store.env, HEADERFORGE_REMOTE: store.url(prefix) };
    const settings = resolveRemote({ remote: undefined }, env);
    if (!settings) throw new Error('no remote');
    return openRemote({ ...settings, readOnly: extra.readOnly ?? false }, env, extra.onUnavailable);
  };

  it('round-trips an image byte for byte, and the first writer wins', async () => {
    const prefix = uniquePrefix(kind);
    const remote = open(prefix);
    try {
      const { sidecar, bytes } = await entryFor(`round trip ${prefix}`);
      expect((await remote.fetch(keyInputOf(sidecar.prompt))).status).toBe('miss');
      expect(await remote.publish(sidecar, bytes)).toBe('written');
      const found = await remote.fetch(keyInputOf(sidecar.prompt));
      expect(found.status).toBe('hit');
      if (found.status === 'hit') {
        expect(Buffer.from(found.bytes).equals(Buffer.from(bytes))).toBe(true);
        expect(found.sidecar).toEqual(sidecar);
      }
      // A second writer of the same key (a lost lease) never replaces the entry.
      const other = { ...sidecar, generationId: 'gen-second-writer' };
      expect(await remote.publish(other, bytes)).toBe('exists');
      const again = await remote.fetch(keyInputOf(sidecar.prompt));
      expect(again.status === 'hit' && again.sidecar.generationId).toBe('gen-test');
      expect(await remote.keys()).toEqual(new Set([sidecar.key]));
    } finally {
      await remote.close();
    }
  });

  it('rejects entries whose sidecar or image does not match the requested key', async () => {
    const prefix = uniquePrefix(kind);
    const remote = open(prefix);
    try {
      const a = await entryFor(`tamper a ${prefix}`);
      const b = await entryFor(`tamper b ${prefix}`);
      expect(await remote.publish(a.sidecar, a.bytes)).toBe('written');
      expect(await remote.publish(b.sidecar, b.bytes)).toBe('written');

      // a's image replaced by other bytes under the name its sidecar points to.
      await store.put(prefix, remoteNames.image(a.sidecar), b.bytes);
      const tampered = await remote.fetch(keyInputOf(a.sidecar.prompt));
      expect(tampered).toMatchObject({ status: 'rejected' });
      expect(tampered.status === 'rejected' && tampered.reason).toMatch(/bytes|hash/);

      // b's sidecar swapped for one that describes another prompt.
      await store.put(
        prefix,
        remoteNames.sidecar(b.sidecar.key),
        new TextEncoder().encode(JSON.stringify({ ...b.sidecar, prompt: 'something else' })),
      );
      const swapped = await remote.fetch(keyInputOf(b.sidecar.prompt));
      expect(swapped.status === 'rejected' && swapped.reason).toMatch(/different prompt/);

      // Bytes that match their (forged) sidecar's hash but are no image.
      const junk = new Uint8Array(randomBytes(2048));
      const c = await entryFor(`tamper c ${prefix}`);
      const forged = { ...c.sidecar, sha256: sha256Hex(junk), bytes: junk.byteLength };
      await store.put(prefix, remoteNames.image(forged), junk);
      await store.put(
        prefix,
        remoteNames.sidecar(forged.key),
        new TextEncoder().encode(JSON.stringify(forged)),
      );
      const notImage = await remote.fetch(keyInputOf(c.sidecar.prompt));
      expect(notImage.status === 'rejected' && notImage.reason).toMatch(/not the image\/png/);
    } finally {
      await remote.close();
    }
  });

  it('checks by hash and header, and decodes only when the pixels will be needed', async () => {
    const prefix = uniquePrefix(kind);
    const remote = open(prefix);
    const skipPixels = { needsPixels: () => false };
    try {
      const good = await entryFor(`checked good ${prefix}`);
      expect(await remote.publish(good.sidecar, good.bytes)).toBe('written');
      const asked: string[] = [];
      const hit = await remote.fetch(keyInputOf(good.sidecar.prompt), {
        needsPixels: (sidecar) => {
          asked.push(sidecar.sha256);
          return false;
        },
      });
      expect(hit.status).toBe('hit');
      // Asked with the sidecar's hash: the derived files to look for are named by it.
      expect(asked).toEqual([good.sidecar.sha256]);

      // One byte of the body changed: same size, same valid header, another hash.
      const changed = await entryFor(`checked changed ${prefix}`);
      await remote.publish(changed.sidecar, changed.bytes);
      const flipped = Buffer.from(changed.bytes);
      const middle = Math.floor(flipped.length / 2);
      flipped[middle] = (flipped[middle] as number) ^ 0xff;
      await store.put(prefix, remoteNames.image(changed.sidecar), flipped);
      const refused = await remote.fetch(keyInputOf(changed.sidecar.prompt), skipPixels);
      expect(refused).toEqual({
        status: 'rejected',
        reason: 'the image does not match its sidecar’s hash',
        name: remoteNames.image(changed.sidecar),
      });

      // A partial upload: the body cut short under its sidecar.
      const cut = await entryFor(`checked cut ${prefix}`);
      await remote.publish(cut.sidecar, cut.bytes);
      const truncated = cut.bytes.slice(0, Math.floor(cut.bytes.length / 2));
      await store.put(prefix, remoteNames.image(cut.sidecar), truncated);
      const short = await remote.fetch(keyInputOf(cut.sidecar.prompt), skipPixels);
      expect(short.status === 'rejected' && short.reason).toBe(
        `the image has ${truncated.length} bytes, its sidecar says ${cut.bytes.length}`,
      );

      // The same cut body under a sidecar forged to match it: only decoding finds it out.
      const forgedEntry = await entryFor(`checked forged ${prefix}`);
      const forged = {
        ...forgedEntry.sidecar,
        sha256: sha256Hex(truncated),
        bytes: truncated.byteLength,
      };
      await store.put(prefix, remoteNames.image(forged), truncated);
      await store.put(
        prefix,
        remoteNames.sidecar(forged.key),
        new TextEncoder().encode(JSON.stringify(forged)),
      );
      const decoded = await remote.fetch(keyInputOf(forged.prompt));
      expect(decoded).toEqual({
        status: 'rejected',
        reason: 'the image does not decode',
        name: remoteNames.image(forged),
      });
    } finally {
      await remote.close();
    }
  });

  /** A fresh prefix of the store, and a way to open as many backends on it as a test needs. */
  const backends = () => {
    const prefix = uniquePrefix(kind);
    const env = { ...store.env, HEADERFORGE_REMOTE: store.url(prefix) };
    const settings = resolveRemote({ remote: undefined }, env);
    if (!settings) throw new Error('no remote');
    const backendOf = () =>
      settings.location.kind === 's3'
        ? createS3Backend(settings.location, { env, timeoutMs: 5000 })
        : createRedisBackend(settings.location, { env, timeoutMs: 5000 });
    return { prefix, backendOf };
  };

  it('gives a lease to one holder at a time, and takes over one whose holder stopped', async () => {
    const { prefix, backendOf } = backends();
    // A short TTL so the takeover happens within the test (S3 ages leases in whole seconds).
    const a = createRemoteCache(backendOf(), {
      readOnly: false,
      leaseTtlMs: 1000,
      pollMs: 100,
      timeoutMs: 5000,
    });
    const b = createRemoteCache(backendOf(), {
      readOnly: false,
      leaseTtlMs: 1000,
      pollMs: 100,
      timeoutMs: 5000,
    });
    const key = generationKey(keyInputOf(`lease ${prefix}`));
    try {
      const first = await a.lease(key);
      expect(typeof first).toBe('object');
      // While a holds it (and refreshes it), b waits.
      let bWaited = false;
      const second = b.lease(key, { onWait: () => (bWaited = true) });
      await until(async () => bWaited, Boolean, 'b to wait for the lease');
      if (typeof first === 'object') await first.release();
      const taken = await second;
      expect(typeof taken).toBe('object');

      // A holder that "crashed": it took the lease and never refreshed or released it.
      const otherKey = generationKey(keyInputOf(`lease crash ${prefix}`));
      const crashed = await backendOf().tryLease(otherKey, 1000);
      expect(crashed).toBeDefined();
      const after = await a.lease(otherKey);
      expect(typeof after).toBe('object');
      if (typeof after === 'object') await after.release();
      if (typeof taken === 'object') await taken.release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a holder whose lease was taken over releases nothing of the new holder’s', async () => {
    const { prefix, backendOf } = backends();
    const key = generationKey(keyInputOf(`lease slow ${prefix}`));
    const [mine, other] = [backendOf(), backendOf()];
    try {
      const slow = await mine.tryLease(key, 1000);
      expect(slow).toBeDefined();
      // The slow holder stops refreshing; once its lease expires, another takes it over.
      const next = await until(
        () => other.tryLease(key, 1000),
        Boolean,
        'the lease to be taken over',
        10_000,
      );
      await slow?.release();
      // Still held: a third holder cannot take it until it expires or is released.
      expect(await mine.tryLease(key, 60_000)).toBeUndefined();
      await next?.release();
      const third = await mine.tryLease(key, 60_000);
      expect(third).toBeDefined();
      await third?.release();
    } finally {
      await mine.close();
      await other.close();
    }
  });

  it('a read-only remote reads but never writes or leases', async () => {
    const prefix = uniquePrefix(kind);
    const writer = open(prefix);
    const reader = open(prefix, { readOnly: true });
    try {
      const a = await entryFor(`read only a ${prefix}`);
      await writer.publish(a.sidecar, a.bytes);
      expect((await reader.fetch(keyInputOf(a.sidecar.prompt))).status).toBe('hit');
      const b = await entryFor(`read only b ${prefix}`);
      expect(await reader.publish(b.sidecar, b.bytes)).toBe('read-only');
      expect(await reader.lease(b.sidecar.key)).toBe('read-only');
      expect(await writer.keys()).toEqual(new Set([a.sidecar.key]));
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});

describe('a remote that is down', () => {
  it.each(['redis', 's3'])('%s: every call falls back at once after one warning', async (kind) => {
    const url =
      kind === 'redis' ? 'redis://127.0.0.1:1/0' : 's3://bucket-down/p?endpoint=http://127.0.0.1:1';
    const env = {
      HEADERFORGE_REMOTE: url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    };
    const settings = resolveRemote({ remote: undefined }, env);
    if (!settings) throw new Error('no remote');
    const warnings: HeaderforgeError[] = [];
    const remote = openRemote(settings, env, (error) => warnings.push(error));
    const { sidecar, bytes } = await entryFor(`down ${kind}`);
    expect((await remote.fetch(keyInputOf('down'))).status).toBe('unavailable');
    expect(await remote.lease(sidecar.key)).toBe('unavailable');
    expect(await remote.publish(sidecar, bytes)).toBe('unavailable');
    expect(await remote.keys()).toBeUndefined();
    await remote.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe('remote_unavailable');
    expect(warnings[0]?.message).toContain('cannot connect');
  });

  it.each(['redis', 's3'])(
    '%s that accepts connections but never answers: each call gives up at its timeout',
    async (kind) => {
      // A black hole on 127.0.0.1: connections open, nothing ever comes back.
      const sockets: Socket[] = [];
      let closing = false;
      // A connection that arrives once the test is done (a client's late retry) is cut at
      // once: otherwise closing the server would wait for it for ever.
      const hole = createServer((socket) => {
        if (closing) socket.destroy();
        else sockets.push(socket);
      });
      await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
      const { port } = hole.address() as { port: number };
      // Collections all the while: a timeout held only weakly (as undici holds a `Request`'s
      // own abort controller) would be collected, and the call would wait for ever.
      const pressure = setInterval(collectGarbage, 5);
      try {
        const url =
          kind === 'redis'
            ? `redis://127.0.0.1:${port}/0`
            : `s3://bucket-slow/p?endpoint=http://127.0.0.1:${port}`;
        const env = { HEADERFORGE_REMOTE: url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
        const settings = resolveRemote({ remote: undefined }, env);
        if (!settings) throw new Error('no remote');
        const warnings: HeaderforgeError[] = [];
        const remote = openRemote({ ...settings, timeoutMs: 300 }, env, (error) =>
          warnings.push(error),
        );
        expect((await remote.fetch(keyInputOf('slow'))).status).toBe('unavailable');
        expect((await remote.fetch(keyInputOf('slow 2'))).status).toBe('unavailable');
        await remote.close();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.message).toMatch(/no answer within 300 ms|timed? ?out/i);
      } finally {
        clearInterval(pressure);
        closing = true;
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => hole.close(resolve));
      }
    },
  );

  it('S3 asks once more after a 503, and gives up on a second', async () => {
    const answers = [503, 200, 503, 503];
    const seen: string[] = [];
    const server = createHttpServer((request, response) => {
      seen.push(
        `${request.method} ${request.url} ${request.headers.authorization ? 'signed' : ''}`,
      );
      const status = answers.shift() ?? 500;
      response.writeHead(status, { 'content-type': 'application/octet-stream' });
      response.end(status === 200 ? 'bytes' : '<Error><Code>SlowDown</Code></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const env = {
        HEADERFORGE_REMOTE: `s3://bucket-r/p?endpoint=http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
      };
      const settings = resolveRemote({ remote: undefined }, env);
      if (settings?.location.kind !== 's3') throw new Error('no s3 remote');
      const backend = createS3Backend(settings.location, { env, timeoutMs: 5000 });
      expect(new TextDecoder().decode(await backend.get('a.png'))).toBe('bytes');
      await expect(backend.get('b.png')).rejects.toThrow(/GET b\.png answered 503 SlowDown/);
      expect(seen).toEqual([
        'GET /bucket-r/p/a.png signed',
        'GET /bucket-r/p/a.png signed',
        'GET /bucket-r/p/b.png signed',
        'GET /bucket-r/p/b.png signed',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('S3 without credentials is reported, never thrown', async () => {
    const env = { HEADERFORGE_REMOTE: 's3://bucket-x/p?endpoint=http://127.0.0.1:1' };
    const settings = resolveRemote({ remote: undefined }, env);
    if (!settings) throw new Error('no remote');
    const warnings: HeaderforgeError[] = [];
    const remote = openRemote(settings, env, (error) => warnings.push(error));
    expect((await remote.fetch(keyInputOf('no credentials'))).status).toBe('unavailable');
    expect(warnings[0]?.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('Redis reads asked for at once', () => {
  let store: RunningStore;
  beforeAll(async () => {
    store = await startRedis();
  });
  afterAll(async () => {
    await store?.stop();
  });

  /** The backend of a fresh prefix, and a plain client of the same server to look with. */
  async function openBoth(prefix: string) {
    const env = { HEADERFORGE_REMOTE: store.url(prefix) };
    const settings = resolveRemote({ remote: undefined }, env);
    const location = settings?.location;
    if (!settings || location?.kind !== 'redis') throw new Error('no redis remote');
    const { Redis } = await import('ioredis');
    const admin = new Redis({ host: location.host, port: location.port });
    return { settings, location, env, admin };
  }

  /** The server's count of calls of `command` since its statistics were reset. */
  async function calls(admin: import('ioredis').Redis, command: string): Promise<number> {
    const stats = await admin.info('commandstats');
    return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  }

  it('go out as a few MGETs, each answer to the name that asked for it', async () => {
    const prefix = uniquePrefix('batch');
    const { location, env, admin } = await openBoth(prefix);
    const backend = createRedisBackend(location, { env, timeoutMs: 5000 });
    try {
      // More names than one MGET takes, every third one missing.
      const names = Array.from({ length: 150 }, (_, i) => `objects/${i}`);
      for (const [i, name] of names.entries())
        if (i % 3 !== 0) await store.put(prefix, name, new TextEncoder().encode(`value ${i}`));
      await backend.get('warm-up'); // the connection, outside the count
      await admin.config('RESETSTAT');
      const values = await Promise.all(names.map((name) => backend.get(name)));
      values.forEach((value, i) => {
        if (i % 3 === 0) expect(value).toBeUndefined();
        else expect(new TextDecoder().decode(value)).toBe(`value ${i}`);
      });
      expect(await calls(admin, 'get')).toBe(0);
      expect(await calls(admin, 'mget')).toBe(3);
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });

  it('a build reading many entries through makes one MGET per turn, not a GET per file', async () => {
    const prefix = uniquePrefix('batch-cache');
    const { settings, env, admin } = await openBoth(prefix);
    const remote = openRemote({ ...settings, readOnly: false }, env);
    try {
      const entries = await Promise.all(
        Array.from({ length: 6 }, (_, i) => entryFor(`batched read ${prefix} ${i}`)),
      );
      for (const { sidecar, bytes } of entries) await remote.publish(sidecar, bytes);
      await admin.config('RESETSTAT');
      const found = await Promise.all(
        entries.map(({ sidecar }) =>
          remote.fetch(keyInputOf(sidecar.prompt), { needsPixels: () => false }),
        ),
      );
      for (const [i, result] of found.entries()) {
        expect(result.status).toBe('hit');
        if (result.status === 'hit') {
          expect(result.sidecar.key).toBe(entries[i]?.sidecar.key);
          expect(Buffer.from(result.bytes).equals(Buffer.from(entries[i]?.bytes ?? []))).toBe(true);
        }
      }
      // The sidecars in one MGET, then the images they name in another.
      expect(await calls(admin, 'mget')).toBe(2);
      expect(await calls(admin, 'get')).toBe(0);
    } finally {
      await remote.close();
      admin.disconnect();
    }
  });

  it('a name holding something else than bytes is a miss for its reader alone', async () => {
    const prefix = uniquePrefix('batch-other');
    const { settings, env, admin } = await openBoth(prefix);
    const warnings: HeaderforgeError[] = [];
    const remote = openRemote({ ...settings, readOnly: false }, env, (error) =>
      warnings.push(error),
    );
    try {
      const good = await entryFor(`batched good ${prefix}`);
      const other = await entryFor(`batched other ${prefix}`);
      await remote.publish(good.sidecar, good.bytes);
      // Someone else's hash where `other`'s sidecar would be: a GET of it is an error
      // (WRONGTYPE) that used to switch the remote off for the whole build.
      await admin.hset(`${prefix}:${remoteNames.sidecar(other.sidecar.key)}`, 'field', 'value');
      const [goodFound, otherFound] = await Promise.all([
        remote.fetch(keyInputOf(good.sidecar.prompt), { needsPixels: () => false }),
        remote.fetch(keyInputOf(other.sidecar.prompt), { needsPixels: () => false }),
      ]);
      expect(goodFound.status).toBe('hit');
      expect(otherFound.status).toBe('miss');
      expect(warnings).toEqual([]);
      expect((await remote.fetch(keyInputOf(good.sidecar.prompt))).status).toBe('hit');
    } finally {
      await remote.close();
      admin.disconnect();
    }
  });

  it('when the server goes away, every read of the batch falls back, with one warning', async () => {
    const own = await startRedis();
    const prefix = uniquePrefix('batch-down');
    const env = { HEADERFORGE_REMOTE: own.url(prefix) };
    const settings = resolveRemote({ remote: undefined }, env);
    if (!settings) throw new Error('no remote');
    const warnings: HeaderforgeError[] = [];
    const remote = openRemote({ ...settings, timeoutMs: 2000 }, env, (error) =>
      warnings.push(error),
    );
    try {
      const entries = await Promise.all(
        Array.from({ length: 5 }, (_, i) => entryFor(`batched down ${prefix} ${i}`)),
      );
      for (const { sidecar, bytes } of entries) await remote.publish(sidecar, bytes);
      own.kill();
      await own.stop();
      const found = await Promise.all(
        entries.map(({ sidecar }) => remote.fetch(keyInputOf(sidecar.prompt))),
      );
      expect(found.map((result) => result.status)).toEqual(Array(5).fill('unavailable'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.code).toBe('remote_unavailable');
    } finally {
      await remote.close();
      await own.stop();
    }
  });
});
