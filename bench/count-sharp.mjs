// Loaded with `node --import` into a build: counts every `sharp(...)` call made from
// headerforge's own code (any other caller, such as Astro's image service, is not ours)
// and writes the count to $HEADERFORGE_BENCH_SHARP_COUNT when the process exits, with the
// main thread's CPU time (user + system, ms): the thread a build waits on, which a worker
// thread's or a child's time does not add to.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const WRAPPER = new URL('./sharp-counter.mjs', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'sharp' && context.parentURL !== WRAPPER) {
      return { url: WRAPPER, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});

const out = process.env.HEADERFORGE_BENCH_SHARP_COUNT;
if (out && isMainThread) {
  process.on('exit', () => {
    const { counts } = globalThis.__headerforgeSharpCalls ?? { counts: { ours: 0, others: 0 } };
    const cpu = process.threadCpuUsage();
    writeFileSync(out, JSON.stringify({ ...counts, mainCpuMs: (cpu.user + cpu.system) / 1000 }));
  });
}
