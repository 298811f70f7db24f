import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, listFiles } from './support/fixtures.js';

const KEY = 'sk-or-v1-test-sentinel-vite-watch';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;

beforeAll(async () => {
  // Slow enough that a rebuild which did not wait for its image would end without it.
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 700 });
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
});
afterAll(async () => {
  await fake.close();
  await site.remove();
});

/** Resolves at the watcher's next finished build, rejects at its next error. */
function nextBuild(watcher: Rollup.RollupWatcher): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (event: Rollup.RollupWatcherEvent) => {
      if (event.code === 'BUNDLE_END') void event.result.close();
      if (event.code !== 'END' && event.code !== 'ERROR') return;
      watcher.off('event', listener);
      if (event.code === 'END') resolve();
      else reject(event.error);
    };
    watcher.on('event', listener);
  });
}

async function bundleText(): Promise<string> {
  const dist = join(site.dir, 'dist');
  const js = (await listFiles(dist)).filter((file) => file.endsWith('.js'));
  return (await Promise.all(js.map((file) => readFile(join(dist, file), 'utf8')))).join('\n');
}

describe('vite build --watch', () => {
  it('rebuilds with the new header when a post is edited', async () => {
    const watcher = (await build({
      root: site.dir,
      configFile: join(site.dir, 'vite.config.js'),
      logLevel: 'silent',
      mode: 'production',
      build: { watch: {} },
    })) as Rollup.RollupWatcher;
    try {
      await nextBuild(watcher);
      expect(fake.generations()).toHaveLength(2);
      expect(await bundleText()).toContain('Glowing jellyfish in the deep sea');

      const post = join(site.dir, 'posts/deep-sea.md');
      const source = await readFile(post, 'utf8');
      const rebuilt = nextBuild(watcher);
      await writeFile(
        post,
        source
          .replace('Bioluminescent jellyfish drifting', 'A lantern fish drifting')
          .replace('Glowing jellyfish in the deep sea', 'A lantern fish in the deep sea'),
      );
      await rebuilt;
      expect(fake.generations()).toHaveLength(3);
      expect(fake.generations().at(-1)?.bodyText).toContain('A lantern fish drifting');
      const bundle = await bundleText();
      expect(bundle).toContain('A lantern fish in the deep sea');
      expect(bundle).not.toContain('Glowing jellyfish in the deep sea');
      // A rebuild is a build: the real image, not a dev server's placeholder for now.
      expect(bundle).toMatch(/isPlaceholder:\s*(false|!1)/);
      expect(bundle).not.toMatch(/isPlaceholder:\s*(true|!0)/);
    } finally {
      await watcher.close();
    }
  });
});
