import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

/** Every module a fresh Node process loads for `import(entry)`, as file URLs. */
async function modulesLoadedBy(entry: string): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({
      load(url, context, next) {
        if (url.startsWith('file:')) loaded.push(url);
        return next(url, context);
      },
    });
    await import(${JSON.stringify(entry)});
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
