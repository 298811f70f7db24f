// A process's own peak RSS in MiB. Not `process.resourceUsage().maxRSS`: on Linux that
// keeps the high-water mark of the process it was forked from (the kernel carries it across
// exec), so a child of a bench that holds 400 MB reports at least 400 MB. VmHWM in
// /proc/self/status is the peak of this process's own memory since exec.
import { readFileSync } from 'node:fs';

export function peakRssMiB() {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Math.round(Number(kib) / 1024);
  } catch {
    // Not Linux: fall back to getrusage, which elsewhere is this process's own.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
