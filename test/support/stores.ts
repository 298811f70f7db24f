import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { until } from './until.js';

/**
 * Real stores for the remote-cache tests, on 127.0.0.1, started and stopped by the tests
 * themselves: Debian's redis-server, and moto's S3 (see s3-server.py for why it runs one
 * request at a time). `npm test` (scripts/test-deps.mjs) and .ci/run install what is missing.
 */
export interface RunningStore {
  /** The remote URL headerforge is given (a fresh prefix for each call). */
  url(prefix?: string): string;
  /** Credentials, as a site's environment would carry them. */
  env: Record<string, string>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): void;
  stop(): Promise<void>;
  /** Writes raw bytes at a name below a prefix, bypassing headerforge (to tamper). */
  put(prefix: string, name: string, bytes: Uint8Array): Promise<void>;
  get(prefix: string, name: string): Promise<Uint8Array | undefined>;
}

export const REDIS_SERVER = '/usr/bin/redis-server';
const S3_SCRIPT = join(import.meta.dirname, 's3-server.py');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

function stopper(child: ChildProcess): { kill(): void; stop(): Promise<void> } {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    kill: () => child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const uniquePrefix = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

export async function startRedis(): Promise<RunningStore> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: run npm test`);
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await until(() => portOpen(port), Boolean, `redis-server on port ${port}`, 15_000);
  const { Redis } = await import('ioredis');
  const admin = () => new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  return {
    url: (prefix = uniquePrefix('t')) => `redis://127.0.0.1:${port}/0?prefix=${prefix}`,
    env: {},
    ...stopper(child),
    async put(prefix, name, bytes) {
      const client = admin();
      await client.set(`${prefix}:${name}`, Buffer.from(bytes));
      client.disconnect();
    },
    async get(prefix, name) {
      const client = admin();
      const value = await client.getBuffer(`${prefix}:${name}`);
      client.disconnect();
      return value ? new Uint8Array(value) : undefined;
    },
  };
}

const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'headerforge-test',
  AWS_SECRET_ACCESS_KEY: 'headerforge-test-secret',
  AWS_REGION: 'us-east-1',
};

export async function startS3(bucket = 'headerforge-test'): Promise<RunningStore> {
  const port = await freePort();
  const child = spawn('python3', [S3_SCRIPT, String(port)], { stdio: 'ignore' });
  await until(() => portOpen(port), Boolean, `moto S3 on port ${port}`, 30_000);
  const endpoint = `http://127.0.0.1:${port}`;
  const aws = new AwsClient({
    accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY,
    service: 's3',
    region: S3_ENV.AWS_REGION,
  });
  const created = await aws.fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!created.ok) throw new Error(`Cannot create bucket: ${created.status}`);
  const objectUrl = (prefix: string, name: string) => `${endpoint}/${bucket}/${prefix}/${name}`;
  return {
    url: (prefix = uniquePrefix('t')) => `s3://${bucket}/${prefix}?endpoint=${endpoint}`,
    env: S3_ENV,
    ...stopper(child),
    async put(prefix, name, bytes) {
      const response = await aws.fetch(objectUrl(prefix, name), { method: 'PUT', body: bytes });
      if (!response.ok) throw new Error(`PUT ${name}: ${response.status}`);
    },
    async get(prefix, name) {
      const response = await aws.fetch(objectUrl(prefix, name));
      if (response.status === 404) return undefined;
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/** Every kind of store the remote-cache tests run against, by name. */
export const STORES: Record<string, () => Promise<RunningStore>> = {
  redis: startRedis,
  s3: startS3,
};
