import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadPid } from '../testing/dead-pid.test-support.js';
import { acquireKeyLock, removeDeadLocks } from './lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('acquireKeyLock', () => {
  it('makes a second holder wait until the first releases', async () => {
    const path = join(dir, 'k.lock');
    const first = await acquireKeyLock(path);
    const order: string[] = [];
    let waited = false;
    const second = acquireKeyLock(path, { pollMs: 10, onWait: () => (waited = true) }).then(
      (lock) => {
        order.push('second acquired');
        return lock;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    order.push('first releases');
    await first.release();
    await (await second).release();
    expect(order).toEqual(['first releases', 'second acquired']);
    expect(waited).toBe(true);
  });

  it('takes over at once from a holder whose process is dead', async () => {
    const path = join(dir, 'k.lock');
    await writeFile(
      path,
      JSON.stringify({
        pid: await deadPid(),
        host: (await import('node:os')).hostname(),
        token: 'x',
        since: '',
      }),
    );
    const started = Date.now();
    const lock = await acquireKeyLock(path, { pollMs: 10 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock from another host once it is stale', async () => {
    const path = join(dir, 'k.lock');
    await writeFile(
      path,
      JSON.stringify({ pid: 1, host: 'another-machine', token: 'y', since: '' }),
    );
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireKeyLock(path, { staleMs: 30_000, pollMs: 10 });
    await lock.release();
  });

  it('takes over an unreadable lock file after a short grace period', async () => {
    const path = join(dir, 'k.lock');
    await writeFile(path, '');
    const old = new Date(Date.now() - 5000);
    await utimes(path, old, old);
    const lock = await acquireKeyLock(path, { pollMs: 10 });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('leaves no temp file behind, and cleans those of dead processes', async () => {
    const path = join(dir, 'k.lock');
    await writeFile(join(dir, `.k.lock.tmp-${await deadPid()}-00ff`), '{}');
    const lock = await acquireKeyLock(path);
    expect(await readdir(dir)).toEqual(['k.lock']);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps waiting for a live holder from another host that is not stale, until aborted', async () => {
    const path = join(dir, 'k.lock');
    await writeFile(
      path,
      JSON.stringify({ pid: 1, host: 'another-machine', token: 'z', since: '' }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('gave up')), 150);
    await expect(acquireKeyLock(path, { pollMs: 10, signal: controller.signal })).rejects.toThrow(
      'gave up',
    );
  });
});

describe('removeDeadLocks', () => {
  it('removes the locks of dead processes on this host, and only those', async () => {
    const holder = (pid: number, host = hostname()) =>
      JSON.stringify({ pid, host, token: `t${pid}`, since: new Date().toISOString() });
    const dead = await deadPid();
    const live = execFile(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dir, 'dead.lock'), holder(dead));
      await writeFile(join(dir, 'live.lock'), holder(live.pid as number));
      await writeFile(join(dir, 'mine.lock'), holder(process.pid));
      await writeFile(join(dir, 'elsewhere.lock'), holder(dead, `not-${hostname()}`));
      expect(await removeDeadLocks(dir)).toBe(1);
      expect((await readdir(dir)).sort()).toEqual(['elsewhere.lock', 'live.lock', 'mine.lock']);
    } finally {
      live.kill();
    }
  });

  it('is quiet about a folder that does not exist', async () => {
    expect(await removeDeadLocks(join(dir, 'missing'))).toBe(0);
  });
});
