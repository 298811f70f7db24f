import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildHeaders } from '@headerforge/core';
import { startFakeOpenRouter } from '@headerforge/core/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const coreDist = `${pathToFileURL(join(root, 'packages/core/dist')).href}/`;

/**
 * The core modules in the files a process loaded (core's dist/ is bundled: each file holds
 * several of tsc's modules, recorded by scripts/bundle.mjs), named by their path in
 * src/ with `.js`; other files as they are.
 */
function coreModulesIn(loaded: string[]): string[] {
  const bundle = JSON.parse(
    readFileSync(join(root, 'packages/core/build/bundle.json'), 'utf8'),
  ) as Record<string, string[]>;
  return loaded.flatMap((url) =>
    url.startsWith(coreDist) ? (bundle[url.slice(coreDist.length)] ?? [url]) : [url],
  );
}

/**
 * Every module a fresh Node process loads for `import(entry)`, as file URLs; `then` is
 * more code to run in it, with the imported module as `entry`.
 */
async function modulesLoadedBy(entry: string, then = ''): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({
      load(url, context, next) {
        if (url.startsWith('file:')) loaded.push(url);
        return next(url, context);
      },
    });
    const entry = await import(${JSON.stringify(entry)});
    ${then}
    console.log(JSON.stringify(loaded));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
  });
  return JSON.parse(stdout) as string[];
}

// An Astro content config imports headerforgeLoader through Vite on every build, module by
// module: what it loads is a cost paid by every build of every Astro site.
describe('@headerforge/core/adapter/light', () => {
  it('loads a handful of modules and no library: nothing of the pipeline, sharp or zod', async () => {
    const loaded = await modulesLoadedBy('@headerforge/core/adapter/light');
    const libraries = loaded.filter((url) => url.includes('/node_modules/'));
    expect(libraries).toEqual([]);
    expect(loaded.length).toBeLessThanOrEqual(10);
  });

  it('is all that importing @headerforge/astro loads of headerforge', async () => {
    const loaded = await modulesLoadedBy('@headerforge/astro');
    const core = loaded.filter((url) => url.includes('/packages/core/'));
    const light = await modulesLoadedBy('@headerforge/core/adapter/light');
    expect(core.sort()).toEqual(light.sort());
    expect(loaded.filter((url) => url.includes('/node_modules/'))).toEqual([]);
  });
});

// The remote cache's clients are for the sites that set a remote: nobody else loads them.
describe('@headerforge/core', () => {
  it('loads neither the S3 nor the Redis client until a remote is used', async () => {
    const loaded = await modulesLoadedBy('@headerforge/core');
    expect(loaded.some((url) => url.includes('/packages/core/'))).toBe(true);
    expect(loaded.filter((url) => /\/node_modules\/(aws4fetch|ioredis)\//.test(url))).toEqual([]);
  });
});

// A warm build (through the adapter entry the Vite and Astro hosts use) runs none of the
// machinery that makes, derives or fetches images: loading it would cost every warm build
// tens of milliseconds (bench/README.md, "Load cost").
describe('a warm build', () => {
  it('loads neither sharp, nor the YAML or image-header parsers, nor the OpenRouter client; the next one not even the pipeline', async () => {
    const KEY = 'sk-or-v1-test-sentinel-warm-load';
    const fake = await startFakeOpenRouter({ apiKey: KEY });
    const site = await mkdtemp(join(tmpdir(), 'hf-warm-load-'));
    try {
      for (const name of ['dusk', 'dawn']) {
        await mkdir(join(site, 'src/content/blog'), { recursive: true });
        await writeFile(
          join(site, 'src/content/blog', `${name}.md`),
          `---\ntitle: ${name}\nheader: "A lighthouse at ${name}"\n---\nBody.\n`,
        );
      }
      const options = { widths: [320], formats: ['webp' as const] };
      const env = { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL };
      const cold = await buildHeaders({ root: site, options, env });
      expect(cold.summary.generated).toBe(2);

      const input = JSON.stringify({ root: site, options, env });
      const warmBuild = async () =>
        coreModulesIn(
          await modulesLoadedBy(
            '@headerforge/core/adapter',
            `const warm = await entry.createHeaderService(${input}).ready();
             if (warm.summary.cached !== 2) throw new Error('not warm: ' + JSON.stringify(warm.summary));`,
          ),
        );
      const heavy = (loaded: string[]) =>
        loaded.filter((url) =>
          /\/node_modules\/(sharp|@img|yaml|image-size)\/|^openrouter\/client\.js$|^derive\/derive-files\.js$|^cache\/remote-cache\.js$|^site\/frontmatter\.js$/.test(
            url,
          ),
        );
      // The first warm build makes each header from its cached parts, and learns it whole.
      const first = await warmBuild();
      expect(first).toContain('site/build-headers.js');
      expect(first).toContain('pipeline/run-pipeline.js');
      expect(heavy(first)).toEqual([]);
      // The next knows every header whole: nothing to look up, obtain or derive.
      const next = await warmBuild();
      expect(next).toContain('pipeline/run-known.js');
      expect(next).not.toContain('pipeline/run-pipeline.js');
      expect(next).not.toContain('site/with-remote.js');
      expect(heavy(next)).toEqual([]);
    } finally {
      await fake.close();
      await rm(site, { recursive: true, force: true });
    }
  });
});
