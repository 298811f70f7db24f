import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { fakeForFile } from './support/fake-server.js';
import { makeSite } from './support/fixtures.js';

const KEY = 'sk-or-v1-test-sentinel-compact';
const server = fakeForFile(KEY);
const { cleanup, env } = server;
const posts = Object.fromEntries(
  ['harbour', 'forest', 'dunes'].map((name) => [
    `src/content/blog/${name}.md`,
    `---\ntitle: ${name}\nheader: A ${name} at dawn\n---\nBody.\n`,
  ]),
);

async function site(name: string, options: Record<string, unknown>) {
  const made = await makeSite(name, posts, options);
  cleanup.push(made.remove);
  return made.dir;
}

async function sidecars(
  root: string,
): Promise<Array<Record<string, { sha256?: string } & unknown>>> {
  const cache = join(root, '.headerforge');
  const found = [];
  for (const shard of (await readdir(cache)).filter((n) => /^[0-9a-f]{2}$/.test(n)))
    for (const name of (await readdir(join(cache, shard))).filter((n) => n.endsWith('.json')))
      found.push(JSON.parse(await readFile(join(cache, shard, name), 'utf8')));
  return found;
}

/** Runs `headerforge generate` in `root`; the sha256 of each image the fake sent, sorted. */
async function generateSent(root: string): Promise<Array<string | undefined>> {
  const before = server.fake.generations().length;
  expect(await runHeaderforge(['generate', '--root', root], env())).toMatchObject({ code: 0 });
  return server.fake
    .generations()
    .slice(before)
    .map((g) => g.answer?.imageSha256)
    .sort();
}

describe('compact storage, end to end', () => {
  it('a fresh generation is stored compact, recording the sha256 of the PNG the fake sent', async () => {
    const root = await site('compact-fresh', {});
    const sent = await generateSent(root);
    const stored = await sidecars(root);
    expect(stored.map((s) => s.received?.sha256).sort()).toEqual(sent);
    for (const sidecar of stored) expect(sidecar).toMatchObject({ mediaType: 'image/avif' });
  });

  it("original: 'as-received' keeps the bytes as sent; compact converts such a cache once; builds after it make no request", async () => {
    const root = await site('compact-old', { original: 'as-received' });
    const sent = await generateSent(root);
    const old = await sidecars(root);
    expect(old.map((s) => s.sha256).sort()).toEqual(sent);
    for (const sidecar of old) expect(sidecar.received).toBeUndefined();

    const compacted = await runHeaderforge(['compact', '--root', root], env());
    expect(compacted).toMatchObject({ code: 0 });
    expect(compacted.stdout).toMatch(/^compacted 3 images: [\d.]+ MB → [\d.]+ MB/);
    const converted = await sidecars(root);
    expect(converted.map((s) => s.received?.sha256).sort()).toEqual(sent);
    const second = await runHeaderforge(['compact', '--root', root, '--json'], env());
    expect(JSON.parse(second.stdout)).toMatchObject({ images: 0, problems: [] });

    // The site's option no longer matters to what is cached: the next build only reads it.
    await writeFile(
      join(root, 'vite.config.mjs'),
      (await readFile(join(root, 'vite.config.mjs'), 'utf8')).replace('"as-received"', '"compact"'),
    );
    const requests = server.fake.generations().length;
    expect(await runHeaderforge(['generate', '--root', root], env())).toMatchObject({ code: 0 });
    expect(server.fake.generations().length).toBe(requests);
    expect((await runHeaderforge(['doctor', '--root', root], env())).stdout).not.toMatch(
      /cache.*fail/i,
    );
  });
});
