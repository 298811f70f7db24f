// One fresh process: imports @headerforge/astro and runs its `astro:config:setup` hook, as
// `astro build` does, and prints the time it took as JSON. Argument: `host` first loads
// what Astro has loaded before it runs an integration (vite, and zod, which validates
// Astro's own config), `bare` loads only vite; `count` also lists the modules loaded.
import { registerHooks } from 'node:module';

const mode = process.argv[2] ?? 'host';
const loaded = [];
if (mode === 'count') {
  registerHooks({
    load(url, context, nextLoad) {
      loaded.push(url);
      return nextLoad(url, context);
    },
  });
}
// Untimed: the host's own modules, the same files Astro imports (it imports zod/v4).
await import('vite');
if (mode !== 'bare') await import('zod/v4');
const before = loaded.length;

const root = new URL('../fixtures/astro-blog/', import.meta.url);
const plugins = [];
const started = performance.now();
const { headerforge } = await import('@headerforge/astro');
const imported = performance.now();
const integration = headerforge();
await integration.hooks['astro:config:setup']({
  command: 'build',
  config: { root },
  updateConfig: (config) => plugins.push(...(config.vite?.plugins ?? [])),
  logger: { info() {}, warn() {}, error() {} },
});
const done = performance.now();
if (plugins.length !== 1) throw new Error('the config hook added no Vite plugin');

const modules = loaded.slice(before).filter((url) => url.startsWith('file:'));
const library = modules.filter((url) => /[\\/]node_modules[\\/](?!@headerforge)/.test(url));
process.stdout.write(
  JSON.stringify({
    importMs: imported - started,
    hookMs: done - imported,
    totalMs: done - started,
    ...(mode === 'count'
      ? { modules: modules.length - library.length, libraryModules: library.length }
      : {}),
  }),
);
