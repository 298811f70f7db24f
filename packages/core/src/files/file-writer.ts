import { Worker } from 'node:worker_threads';
import { type FilesToWrite, tempPathFor } from './atomic-write.js';

/**
 * Writes files off the main thread, as `writeFilesAtomic` does (each to a temp file beside
 * it, fsynced, renamed over it; not the folder: see `syncDirectory`). For writes that
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

// The thread's code: `writeFileAtomicSync`'s steps, with the temp path named by the caller.
// Written out, not imported: an eval'd thread resolves no module of ours (the built
// package's or, under test, its TypeScript source), and its file calls are synchronous,
// which is what the thread is for.
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
  /** The last write asked for: the thread takes them in order, so it settles last. */
  let last: Promise<unknown> = Promise.resolve();

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
      last = written.catch(() => {});
      return written;
    },
    async close() {
      await last;
      const ending = worker;
      worker = undefined;
      await ending?.terminate();
    },
  };
}
