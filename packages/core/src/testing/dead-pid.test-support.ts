import { execFile } from 'node:child_process';
import { once } from 'node:events';

/** The pid of a process that has just exited: a lock holder that died, for stale-lock tests. */
export async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid as number;
}
