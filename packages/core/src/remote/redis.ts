import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  type BackendOptions,
  LEASE_FOLDER,
  type RemoteBackend,
  type RemoteLeaseHandle,
} from './backend.js';
import { remoteError } from './error.js';
import { importPeer } from './peer.js';
import type { RemoteLocation } from './url.js';

type RedisLocation = Extract<RemoteLocation, { kind: 'redis' }>;

// Compare-and-act on a lease: only its holder (who knows the token) may extend or drop it.
const REFRESH = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Redis through ioredis. Values are raw bytes (`GETBUFFER`, `SET … NX`), so an image
 * round-trips byte for byte with no base64. The first writer wins with `SET NX`; a lease is
 * `SET NX PX ttl`, which Redis expires by itself when its holder dies.
 *
 * A build is short, so the client never reconnects and never queues: once the server is
 * gone every call fails at once and the build carries on without it.
 */
export function createRedisBackend(
  location: RedisLocation,
  options: BackendOptions,
): RemoteBackend {
  const { env, timeoutMs } = options;
  const username = location.username ?? (env.REDIS_USERNAME?.trim() || undefined);
  const password = location.password ?? (env.REDIS_PASSWORD || undefined);
  // Loaded on first use: most builds have no remote, and ioredis is a tenth of our import time.
  let redis!: Redis;
  // Failures reach the caller through the command that failed, but its message is often
  // just "Connection is closed": the socket's own error (ECONNREFUSED, …) says why.
  let socketError: Error | undefined;
  let closed = false;
  async function connect(): Promise<void> {
    const { Redis } = await importPeer('ioredis', location.label, () => import('ioredis'));
    if (closed) throw new Error('Connection is closed');
    redis = new Redis({
      host: location.host,
      port: location.port,
      db: location.db,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(location.tls ? { tls: { servername: location.host } } : {}),
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', (error: Error) => {
      socketError = error;
    });
    await redis.connect();
  }
  let connecting: Promise<void> | undefined;
  const key = (name: string) => `${location.prefix}:${name}`;
  const leaseKey = (name: string) => key(`${LEASE_FOLDER}/${name}`);

  /**
   * One bounded call. ioredis's own timeouts cover the TCP connect and each command, but
   * not a server that accepts connections and never answers its ready check: the whole
   * call, connection included, is raced against `timeoutMs`.
   */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
        timeoutMs,
      );
    });
    try {
      if (!connecting) {
        connecting = connect();
        connecting.catch(() => {}); // reported through the call that awaits it
      }
      return await Promise.race([connecting.then(run), deadline]);
    } catch (error) {
      const closed = (error as Error)?.message?.startsWith('Connection is closed');
      throw remoteError(location.label, closed && socketError ? socketError : error, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  async function tryLease(name: string, ttlMs: number): Promise<RemoteLeaseHandle | undefined> {
    const token = randomBytes(8).toString('hex');
    const taken = await call(() => redis.set(leaseKey(name), token, 'PX', ttlMs, 'NX'));
    if (taken !== 'OK') return undefined;
    return {
      async refresh() {
        return (await call(() => redis.eval(REFRESH, 1, leaseKey(name), token, ttlMs))) === 1;
      },
      async release() {
        await call(() => redis.eval(RELEASE, 1, leaseKey(name), token));
      },
    };
  }

  return {
    label: location.label,
    async get(name) {
      const value = await call(() => redis.getBuffer(key(name)));
      return value === null ? undefined : new Uint8Array(value);
    },
    async create(name, bytes) {
      return (await call(() => redis.set(key(name), Buffer.from(bytes), 'NX'))) === 'OK';
    },
    async list() {
      const names: string[] = [];
      const start = `${location.prefix}:`;
      let cursor = '0';
      do {
        const [next, keys] = await call(() =>
          redis.scan(cursor, 'MATCH', `${escapeGlob(start)}*`, 'COUNT', 1000),
        );
        cursor = next;
        for (const found of keys) {
          const name = found.slice(start.length);
          if (!name.startsWith(`${LEASE_FOLDER}/`)) names.push(name);
        }
      } while (cursor !== '0');
      return names;
    },
    tryLease,
    async close() {
      closed = true;
      if (!connecting) return;
      // A connection still waiting for its server (one that never answers) is cut, not
      // waited for: ioredis would end it politely and wait seconds for the server's side.
      if (redis && redis.status !== 'ready') {
        redis.disconnect();
        redis.stream?.destroy();
      }
      await connecting.catch(() => {});
      if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis?.disconnect();
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
