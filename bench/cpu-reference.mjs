// How fast this machine runs plain JavaScript right now: a fixed loop in a fresh Node process
// (median of 3). The recorded run takes it before each figure and at the end, so that a
// reader can tell a slow machine (or one whose speed changed during the run) from a slow
// headerforge: on the same 2-core VM it has taken from 0.39 s on a quiet day to 1.9 s.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { median } from './median.mjs';

const run = promisify(execFile);
const LOOP =
  'let t=performance.now();let x=0;for(let i=0;i<3e8;i++)x+=i%7;process.stdout.write(String(performance.now()-t))';

/** Milliseconds the loop took (median of `runs` fresh processes). */
export async function cpuReference(runs = 3) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['-e', LOOP]);
    times.push(Number(stdout));
  }
  return Math.round(median(times));
}
