// Stands in for `sharp` (see count-sharp.mjs): the real module, with calls counted by caller.
import sharp from 'sharp';

globalThis.__headerforgeSharpCalls ??= { counts: { ours: 0, others: 0 } };
const state = globalThis.__headerforgeSharpCalls;
const OURS = /[\\/]packages[\\/](core|vite-plugin|astro-integration)[\\/]/;

function counted(...args) {
  // Line 0 is "Error", line 1 this function, line 2 the caller.
  const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
  if (OURS.test(caller)) state.counts.ours += 1;
  else state.counts.others += 1;
  return sharp(...args);
}

export default new Proxy(counted, {
  get: (_target, property) => sharp[property],
});
