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
 * Most names one MGET asks for. The callers bound how many reads (and bytes) are in flight;
 * this only keeps one reply, and the server's work for it, from growing without end.
 */
const MGET_BATCH = 64;

interface PendingGet {
  name: string;
  resolve(value: Uint8Array | undefined): void;
  reject(error: unknown): void;
}

/**
 * Redis through ioredis. Values are raw bytes (`MGET` as buffers, `SET … NX`), so an image
 * round-trips byte for byte with no base64. The first writer wins with `SET NX`; a lease is
 * `SET NX PX ttl`, which Redis expires by itself when its holder dies.
 *
 * Reads asked for in the same turn of the event loop go out as one `MGET`: a read-through
 * asks for a thousand sidecars and images, several at once, and one command per name cost
 * a round trip, a socket write and a timer each.
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

  let pending: PendingGet[] = [];
  function get(name: string): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(sendGets);
      pending.push({ name, resolve, reject });
    });
  }
  /** The reads gathered since the last turn, in MGETs of at most `MGET_BATCH` names. */
  function sendGets(): void {
    const gets = pending;
    pending = [];
    for (let start = 0; start < gets.length; start += MGET_BATCH) {
      const batch = gets.slice(start, start + MGET_BATCH);
      call(() => redis.mgetBuffer(...batch.map((get) => key(get.name)))).then(
        (values) => {
          // A name that holds no string (not ours) reads as absent, as a missing one does.
          // Each value is copied: the reply parser reuses its buffer for the next replies.
          batch.forEach((get, i) => {
            const value = values[i];
            get.resolve(value ? new Uint8Array(value) : undefined);
          });
        },
        (error: unknown) => {
          for (const get of batch) get.reject(error);
        },
      );
    }
  }

  return {
    label: location.label,
    get,
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
