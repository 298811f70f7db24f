import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const REPOSITORY = 'git+https://github.com/headerforge/headerforge.git';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const read = (dir: string) =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
const dirs = ['packages/core', 'packages/vite-plugin', 'packages/astro-integration'];
const manifests = new Map(dirs.map((dir) => [dir, read(dir)]));
const versions = new Map([...manifests.values()].map((m) => [m.name, m.version]));

// What npm shows on each package's page, and what Changesets keeps in step.
describe.each(dirs)('%s on npm', (dir) => {
  const manifest = manifests.get(dir) as Manifest;

  it('says where it comes from, what it is for and what it runs on', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: REPOSITORY, directory: dir });
    expect(manifest.homepage).toBe(
      `https://github.com/headerforge/headerforge/tree/main/${dir}#readme`,
    );
    expect(manifest.bugs?.url).toBe('https://github.com/headerforge/headerforge/issues');
    expect(manifest.license).toBe('MIT');
    expect(manifest.engines?.node).toBe('>=22.12');
    expect(manifest.keywords).toContain('headerforge');
  });

  it('has a Changesets changelog for its version, and its own packages at ^ that version', () => {
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    const changelog = readFileSync(join(root, dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(new RegExp(`^# ${manifest.name}\\n\\n## ${manifest.version}\\n`));
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (name.startsWith('@headerforge/')) expect(range, name).toBe(`^${versions.get(name)}`);
    }
  });
});

describe('the packages together', () => {
  it('share one version, kept by Changesets (the private fixtures are left alone)', () => {
    expect(new Set(versions.values()).size).toBe(1);
    const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      access: 'public',
      baseBranch: 'main',
      privatePackages: { version: false, tag: false },
    });
    const fixture = read('fixtures/astro-blog');
    expect(fixture.dependencies?.['@headerforge/astro']).toBe(
      `^${versions.get('@headerforge/astro')}`,
    );
  });

  it("keeps the Astro integration's keywords, which Astro's integrations list reads", () => {
    expect(manifests.get('packages/astro-integration')?.keywords).toEqual(
      expect.arrayContaining(['astro-integration', 'withastro']),
    );
  });

  it('asks for ioredis and aws4fetch only as optional peers (tests have them as dev deps)', () => {
    const core = manifests.get('packages/core') as Manifest;
    for (const name of ['ioredis', 'aws4fetch']) {
      expect(core.dependencies?.[name], name).toBeUndefined();
      expect(core.peerDependencies?.[name], name).toBeDefined();
      expect(core.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
      expect(core.devDependencies?.[name], name).toBe(core.peerDependencies?.[name]);
    }
  });

  it('has the root depend on core, so `npx headerforge` works from the repository', async () => {
    expect(read('.').devDependencies?.['@headerforge/core']).toBeDefined();
    // npm links a bin only if its file exists at install time, before any build: the bin is
    // a committed file that imports the built CLI.
    const bin = (manifests.get('packages/core') as Manifest & { bin: Record<string, string> }).bin
      .headerforge as string;
    expect(bin.startsWith('./dist/')).toBe(false);
    const linked = join(root, 'node_modules', '.bin', 'headerforge');
    expect(existsSync(linked)).toBe(true);
    // Run as a shell would, by its #! line, with npm's PATH (Node 24 from the node package).
    const { stdout } = await run(linked, ['--version'], { cwd: root });
    expect(stdout).toContain(`headerforge/${versions.get('@headerforge/core')} `);
  });
});
