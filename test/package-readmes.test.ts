import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, exists } from './support/fixtures.js';

// The packages' READMEs are their npm pages: their code must be true. Every TypeScript and
// JavaScript block is type-checked against the built packages, and the blocks that can run
// without a browser do, against the fake OpenRouter. The one Astro page block (`astro`) is
// markup, and the same code is built by test/astro-blog.test.ts through the fixture.
const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const KEY = 'sk-or-v1-test-sentinel-package-readmes';
const packages = { core: 'core', vite: 'vite-plugin', astro: 'astro-integration' } as const;
type Package = keyof typeof packages;

interface Block {
  lang: string;
  code: string;
}

/** The fenced code blocks of a package's README, in order. */
async function blocks(name: Package): Promise<Block[]> {
  const readme = await readFile(join(repo, 'packages', packages[name], 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((match) => ({
    lang: match[1] as string,
    code: match[2] as string,
  }));
}

/** The one block of a README that contains `text`. */
async function block(name: Package, text: string): Promise<Block> {
  const found = (await blocks(name)).filter((b) => b.code.includes(text));
  expect(found, `${name}'s README: one code block with ${text}`).toHaveLength(1);
  return found[0] as Block;
}

const extension = (b: Block) => (b.lang === 'ts' ? 'ts' : 'mjs');

/** Runs `tsc --noEmit` on a project; resolves with its output, failing the test on errors. */
async function typeCheck(project: string): Promise<void> {
  try {
    await run(process.execPath, [tsc, '-p', project], { maxBuffer: 8 * 2 ** 20 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    expect.fail(`tsc -p ${project}:\n${stdout}${stderr}`);
  }
}

let fake: FakeOpenRouter;
let scratch: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  // Inside the repository, so that `@headerforge/*` resolve from the workspace, as they
  // would from a user's node_modules.
  await mkdir(join(repo, '.tmp'), { recursive: true });
  scratch = await mkdtemp(join(repo, '.tmp', 'package-readmes-'));
});
afterAll(async () => {
  await fake.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("the packages' READMEs", () => {
  it('each says what it is, how to install it and where the full documentation is', async () => {
    for (const name of Object.keys(packages) as Package[]) {
      const readme = await readFile(join(repo, 'packages', packages[name], 'README.md'), 'utf8');
      const { name: npmName } = JSON.parse(
        await readFile(join(repo, 'packages', packages[name], 'package.json'), 'utf8'),
      );
      expect(readme.startsWith(`# ${npmName}\n`), `${name}: the title`).toBe(true);
      expect(readme).toContain(npmName === '@headerforge/astro' ? 'astro add' : 'npm install');
      expect(readme).toContain('https://github.com/headerforge/headerforge#readme');
    }
  });

  it('every TypeScript and JavaScript block type-checks against the built packages', {
    timeout: 120_000,
  }, async () => {
    const dir = join(scratch, 'typecheck');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const name of Object.keys(packages) as Package[]) {
      for (const [index, b] of (await blocks(name)).entries()) {
        if (b.lang !== 'ts' && b.lang !== 'js') continue;
        // Needs an Astro project's generated types: checked in one below.
        if (b.code.includes("from 'astro:content'")) continue;
        const file = `${name}-${index}.${extension(b)}`;
        await writeFile(join(dir, file), b.code);
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(6);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          lib: ['es2023', 'dom'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node', '@headerforge/vite/client'],
          strict: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
        },
        files,
      }),
    );
    await typeCheck(dir);
  });

  it("astro's content collection block type-checks in an Astro site", {
    timeout: 120_000,
  }, async () => {
    const site = await copyFixture('astro-blog');
    try {
      const config = await block('astro', "from 'astro:content'");
      await writeFile(join(site.dir, 'src', 'content.config.ts'), config.code);
      const { sync } = await import('astro');
      await sync({ root: site.dir, logLevel: 'error' });
      await typeCheck(site.dir);
    } finally {
      await site.remove();
    }
  });

  it("the Vite and Astro config blocks give the host headerforge's plugin and integration", async () => {
    const vite = await block('vite', 'vite.config.js');
    const astro = await block('astro', 'astro.config.mjs');
    const load = async (b: Block, file: string) => {
      await writeFile(join(scratch, file), b.code);
      return (await import(pathToFileURL(join(scratch, file)).href)).default;
    };
    const viteConfig = await load(vite, 'vite.config.mjs');
    expect(viteConfig.plugins.map((plugin: { name: string }) => plugin.name)).toEqual([
      'headerforge',
    ]);
    const astroConfig = await load(astro, 'astro.config.mjs');
    expect(astroConfig.integrations.map((i: { name: string }) => i.name)).toEqual([
      '@headerforge/astro',
    ]);
  });

  it("core's client block generates an image and writes it", { timeout: 60_000 }, async () => {
    const dir = join(scratch, 'client');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'client.ts'), (await block('core', 'createOpenRouterClient()')).code);
    fake.reset();
    const { stdout } = await runIn(dir, 'client.ts', {
      OPENROUTER_API_KEY: KEY,
      OPENROUTER_BASE_URL: fake.baseURL,
    });
    expect(stdout).toMatch(/^1344 768 image\/png \d/);
    const written = await sharp(join(dir, 'lighthouse.png')).metadata();
    expect([written.width, written.height, written.format]).toEqual([1344, 768, 'png']);
    expect(fake.generations()).toHaveLength(1);
  });

  it("core's client block prints the error's code and hint", { timeout: 60_000 }, async () => {
    const dir = join(scratch, 'client-error');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'client.ts'), (await block('core', 'createOpenRouterClient()')).code);
    const { stderr } = await runIn(dir, 'client.ts', {
      OPENROUTER_API_KEY: 'sk-or-v1-revoked',
      OPENROUTER_BASE_URL: fake.baseURL,
    });
    expect(stderr).toMatch(/^auth: /);
    expect(await exists(join(dir, 'lighthouse.png'))).toBe(false);
  });

  it("core's script block builds a site's headers", { timeout: 120_000 }, async () => {
    const site = await copyFixture('astro-blog');
    try {
      await writeFile(join(site.dir, 'headers.ts'), (await block('core', 'buildHeaders(')).code);
      fake.reset();
      const { stdout } = await runIn(site.dir, 'headers.ts', {
        OPENROUTER_API_KEY: KEY,
        OPENROUTER_BASE_URL: fake.baseURL,
      });
      expect(stdout).toMatch(/^4 headers · 6 generated · 0 cached · 0 failed/m);
      expect(stdout).toMatch(/[/]lighthouse\.png /);
      expect(fake.generations()).toHaveLength(4);
    } finally {
      await site.remove();
    }
  });

  it("core's testing block runs: a 429, then the retry's image", { timeout: 60_000 }, async () => {
    const dir = join(scratch, 'testing');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'fake.ts'), (await block('core', 'startFakeOpenRouter(')).code);
    const { stdout, stderr } = await runIn(dir, 'fake.ts', {});
    expect(stdout + stderr).toBe('');
  });
});

/** Runs a README block with Node (which strips the types), in `cwd`, with only `env` added. */
async function runIn(
  cwd: string,
  file: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const {
    NODE_ENV: _node,
    VITEST: _vitest,
    OPENROUTER_API_KEY: _key,
    OPENROUTER_BASE_URL: _base,
    HEADERFORGE_MODE: _mode,
    CI: _ci,
    ...inherited
  } = process.env;
  return run(process.execPath, [file], { cwd, env: { ...inherited, ...env } });
}
