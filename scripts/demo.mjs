// `npm run demo`: builds the example blog (fixtures/astro-blog) with headerforge.
// With OPENROUTER_API_KEY (from the environment or a .env at the repository root) it
// generates real header images; without one it uses offline placeholder art.
// `npm run demo -- --serve` also serves the built site with `astro preview`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
// HEADERFORGE_DEMO_ROOT lets the tests run the demo on a copy of the blog.
const root =
  process.env.HEADERFORGE_DEMO_ROOT ??
  fileURLToPath(new URL('../fixtures/astro-blog/', import.meta.url));
const serve = process.argv.includes('--serve');

if (existsSync(`${repo}.env`)) process.loadEnvFile(`${repo}.env`);
if (process.env.OPENROUTER_API_KEY?.trim()) {
  console.log(
    'headerforge demo: OPENROUTER_API_KEY is set, so missing header images are generated (and paid for).',
  );
} else {
  // The demo's default without a key, even in CI (where the library would be cache-only).
  process.env.HEADERFORGE_MODE ??= 'placeholder';
  console.log(
    'headerforge demo: no OPENROUTER_API_KEY, so headers are offline placeholder art. Set the key to generate real images.',
  );
}

const { build, preview } = await import('astro');
await build({ root, logLevel: 'info' });
console.log(`\nheaderforge demo: the site is built in ${join(root, 'dist')}`);

if (serve) {
  const server = await preview({ root, logLevel: 'warn' });
  console.log(`headerforge demo: serving it at http://localhost:${server.port}/ (Ctrl+C to stop)`);
} else {
  console.log('headerforge demo: run `npm run demo -- --serve` to look at it in a browser.');
}
