// headerforge's own share of a warm build, in a fresh process: scan the content, hash
// each post's key, look it up and read its derived set. Prints timings as JSON.
// `node lookup-child.mjs <root> [astro]`: with `astro`, the call the Astro integration makes
// (no widths × formats variants: Astro's `<Image>` makes its own), but with the stamps
// checked on the main thread, as the Vite host does (the integration checks them on a thread
// beside Astro's work: see docs/design-notes.md); otherwise the Vite host's.
import { buildHeaders } from '@headerforge/core';
import { peakRssMiB } from './peak-rss.mjs';

const root = process.argv[2];
const astro = process.argv[3] === 'astro';
let scanMs = 0;
const started = performance.now();
const result = await buildHeaders({
  root,
  variants: !astro,
  onEvent: (event) => {
    if (event.type === 'scanned') scanMs = event.durationMs;
  },
});
const totalMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    posts: result.scan.jobs.length,
    cached: result.summary.cached,
    generated: result.summary.generated,
    failed: result.summary.failed,
    mode: result.mode.mode,
    scanMs,
    lookupMs: result.summary.durationMs,
    totalMs,
    // This process's own peak, Node's own start-up included.
    peakRssMiB: peakRssMiB(),
  }),
);
