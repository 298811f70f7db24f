import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');

/**
 * A new folder for a site inside the repository (under the git-ignored .tmp/; not
 * test-results/, which Vite's watcher ignores), so that the site's config resolves
 * `@headerforge/*` and `vite` from the workspace, as a user's project would from its own.
 */
async function siteFolder(name: string): Promise<string> {
  const parent = join(repo, '.tmp', 'fixtures');
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `${name}-`));
}

/** A fresh copy of `fixtures/<name>` to build and modify, with `env` written to its `.env`. */
export async function copyFixture(
  name: string,
  options: { env?: Record<string, string> } = {},
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await siteFolder(name);
  await cp(join(repo, 'fixtures', name), dir, {
    recursive: true,
    filter: (source) =>
      !/[\\/](node_modules|dist|\.headerforge|\.astro)([\\/]|$)/.test(relative(repo, source)),
  });
  if (options.env) await writeEnv(dir, options.env);
  return { dir, remove: () => removeSite(dir) };
}

/**
 * Removes a site's copy, all but its `.astro/` folder: an Astro dev server run in the test's
 * process saves its content store there on a 500 ms timer that outlives the server's stop,
 * and a write into a folder removed under it fails in that timer, out of any test's reach
 * (vitest then fails the run for an unhandled error). Other writers can outlive a dev
 * server's stop too (Vite's dependency optimizer writes its bundles from rolldown's own
 * threads): a folder one of them writes into while it is being removed is left as well.
 * Whatever is left is removed once every test file has finished
 * (`test/support/global-setup.ts`), when nothing runs any more.
 */
async function removeSite(dir: string): Promise<void> {
  const entries: string[] = await readdir(dir).catch(() => []);
  await Promise.all(
    entries
      .filter((name) => name !== '.astro')
      .map((name) => rm(join(dir, name), { recursive: true, force: true }).catch(leftBehind)),
  );
  if (!entries.includes('.astro'))
    await rm(dir, { recursive: true, force: true }).catch(leftBehind);
}

/** A folder that gained an entry while it was being removed: left for `removeLeftSites`. */
function leftBehind(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOTEMPTY') throw error;
}

/**
 * Sites whose copies were removed but for what a server still wrote (see `removeSite`):
 * every copy in a fixture folder is made with the fixture's package.json, which
 * `removeSite` removes first.
 */
export async function removeLeftSites(): Promise<void> {
  const parent = join(repo, '.tmp', 'fixtures');
  for (const name of await readdir(parent).catch(() => [])) {
    const dir = join(parent, name);
    const entries = await readdir(dir).catch(() => ['package.json']);
    if (!entries.includes('package.json')) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A new Vite site made of `files` (path → content, e.g. many generated posts) whose
 * `vite.config.mjs` gives `options` to the headerforge plugin: the `headerforge` command
 * reads the same options a build would, and `buildHeaders({ root: dir, options })` builds it.
 */
export async function makeSite(
  name: string,
  files: Record<string, string>,
  options: Record<string, unknown>,
  settings: { env?: Record<string, string> } = {},
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await siteFolder(name);
  const config = `import headerforge from '@headerforge/vite';\n\nexport default { plugins: [headerforge(${JSON.stringify(options)})] };\n`;
  for (const [path, content] of Object.entries({ ...files, 'vite.config.mjs': config })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  if (settings.env) await writeEnv(dir, settings.env);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Variables reach the site the way a user's would: from its .env, read by Vite or Astro. */
async function writeEnv(dir: string, env: Record<string, string>): Promise<void> {
  const lines = Object.entries(env).map(([name, value]) => `${name}=${value}\n`);
  await writeFile(join(dir, '.env'), lines.join(''));
}

/** Every file below `dir`, relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
