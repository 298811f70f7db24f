import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');

/**
 * A fresh copy of `fixtures/<name>` to build and modify, with `env` written to its `.env`. It lives inside the repository
 * (under the git-ignored .tmp/; not test-results/, which Vite's watcher ignores) so that the fixture's own config resolves
 * `@headerforge/*` and `vite` from the workspace, as a user's project would from its own.
 */
export async function copyFixture(
  name: string,
  options: { env?: Record<string, string> } = {},
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const parent = join(repo, '.tmp', 'fixtures');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${name}-`));
  await cp(join(repo, 'fixtures', name), dir, {
    recursive: true,
    filter: (source) =>
      !/[\\/](node_modules|dist|\.headerforge|\.astro)([\\/]|$)/.test(relative(repo, source)),
  });
  // Variables reach the site the way a user's would: from its .env, read by Vite or Astro.
  if (options.env) {
    const lines = Object.entries(options.env).map(([name, value]) => `${name}=${value}\n`);
    await writeFile(join(dir, '.env'), lines.join(''));
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
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
