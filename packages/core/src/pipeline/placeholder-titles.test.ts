import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHeaders } from '../site/build-headers.js';

// Offline art shows the post's title, which no image key covers: the art's sidecar says
// what it shows, so that an edited title is drawn again, for every candidate.
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-art-titles-'));
  await mkdir(join(root, 'src/content/blog'), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const writePost = (title: string) =>
  writeFile(
    join(root, 'src/content/blog/a.md'),
    `---\ntitle: ${title}\nheader:\n  prompt: A lighthouse at dusk\n  candidates: 3\n---\nBody.\n`,
  );

/** The sha256 of each candidate's art, from the entry's sidecar, after an offline build. */
async function offlineArt(): Promise<string[]> {
  const result = await buildHeaders({
    root,
    options: { widths: [320], formats: ['webp'], og: false },
    env: { HEADERFORGE_MODE: 'placeholder' },
  });
  expect(result.failures).toEqual([]);
  const dir = join(root, 'node_modules/.cache/headerforge/placeholders');
  const [shard] = (await readdir(dir)).filter((name) => /^[0-9a-f]{2}$/.test(name));
  const [sidecar] = (await readdir(join(dir, shard as string))).filter((n) => n.endsWith('.json'));
  const entry = JSON.parse(await readFile(join(dir, shard as string, sidecar as string), 'utf8'));
  const candidates = entry.candidates as { candidate: number; sha256: string; recovered?: true }[];
  expect(candidates.map((c) => c.candidate)).toEqual([2, 3]);
  expect(candidates.some((c) => c.recovered)).toBe(false);
  return [entry.sha256, ...candidates.map((c) => c.sha256)];
}

describe('offline art and the post title it shows', () => {
  it('draws every candidate again when the title is edited, and keeps them while it is not', async () => {
    await writePost('The first title');
    const first = await offlineArt();
    expect(new Set(first).size).toBe(3);
    expect(await offlineArt()).toEqual(first);

    await writePost('Another title');
    const edited = await offlineArt();
    for (const [index, sha256] of edited.entries())
      expect(sha256, `candidate ${index + 1}`).not.toBe(first[index]);
    expect(await offlineArt()).toEqual(edited);
  });
});
