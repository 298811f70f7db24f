import { Worker } from 'node:worker_threads';
import { tempPathFor } from './atomic-write.js';

/** Files to write in order: each a path and its bytes (or text, as UTF-8). */
export type FilesToWrite = ReadonlyArray<readonly [path: string, data: Uint8Array | string]>;

/**
 * Writes files off the main thread, each atomically as `writeFileAtomic` does (a temp file
 * beside it, fsynced, renamed over it; not the folder: see `syncDirectory`). For writes that
 * go on beside the rest of a build (`TieredStoreOptions.writeBehind`): done here, a thousand
 * entries' five file calls each took the main thread's event loop about 0.3 s, from under
 * the host's own work.
 */
export interface FileWriter {
  /** Writes `files` in order; stops at the first that fails, and rejects with its error. */
  write(files: FilesToWrite): Promise<void>;
  /** Ends the thread once every write asked for is done. */
  close(): Promise<void>;
}

// The thread's code: self-contained (no module to resolve, from the built package or from
// its source under test), and every file call synchronous, which is what the thread is for.
const THREAD = `
const { parentPort } = require('node:worker_threads');
const { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } = require('node:fs');
parentPort.on('message', ({ id, files }) => {
  for (const [path, temp, data] of files) {
    try {
      const fd = openSync(temp, 'wx', 0o644);
      try {
        writeFileSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      parentPort.postMessage({ id, failed: { message: error.message, code: error.code } });
      return;
    }
  }
  parentPort.postMessage({ id });
});
`;

interface Reply {
  id: number;
  failed?: { message: string; code?: string };
}

export function startFileWriter(): FileWriter {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const pending = new Set<Promise<unknown>>();

  const thread = (): Worker => {
    if (worker) return worker;
    const started = new Worker(THREAD, { eval: true });
    const fail = (error: Error) => {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
      if (worker === started) worker = undefined;
    };
    started.on('message', ({ id, failed }: Reply) => {
      const waiter = waiting.get(id);
      waiting.delete(id);
      // Idle, the thread never keeps the process alive; with writes asked for, it does.
      if (waiting.size === 0) started.unref();
      if (!failed) return waiter?.resolve();
      waiter?.reject(Object.assign(new Error(failed.message), { code: failed.code }));
    });
    started.on('error', fail);
    started.on('exit', () => fail(new Error('The file-writing thread ended before its writes')));
    worker = started;
    return started;
  };

  return {
    write(files) {
      const id = next++;
      // Each file's bytes copied out of whatever larger buffer they are a view of (a read's
      // batch), so that only they cross to the thread.
      const data = files.map(([, bytes]) =>
        typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
      );
      const message = {
        id,
        files: files.map(([path], index) => [path, tempPathFor(path), data[index]]),
      };
      const written = new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        const writer = thread();
        writer.ref();
        writer.postMessage(
          message,
          data.flatMap((bytes) => (typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer])),
        );
      });
      const settled: Promise<unknown> = written.then(
        () => pending.delete(settled),
        () => pending.delete(settled),
      );
      pending.add(settled);
      return written;
    },
    async close() {
      await Promise.allSettled(pending);
      const ending = worker;
      worker = undefined;
      await ending?.terminate();
    },
  };
}
