// The built package's warm index checks a section on a thread that runs the module's own
// functions as their source text (`checkThreadSource` in cache/warm-index.ts): this shows
// they still run there once bundled, which the unit tests (on the TypeScript source) cannot.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarmIndex } from '@headerforge/core/internal';
import { afterEach, beforeEach, expect, it } from 'vitest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-warm-thread-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("the built package checks a warm index's headers on a thread", async () => {
  const cache = join(dir, 'cache');
  // 300 headers of about 1 KB: over the size a thread is started for.
  const posts = Array.from({ length: 300 }, (_, i) => join(dir, `post-${i}.md`));
  const index = openWarmIndex(cache);
  for (const [i, post] of posts.entries()) {
    await writeFile(post, `post ${i}`);
    index.remember('headers', post, index.stamp([post]) ?? [], { i, alt: 'x'.repeat(1000) });
  }
  await index.save();
  const [first, changed] = posts as [string, string];
  await writeFile(changed, 'post 1, edited');

  const warm = openWarmIndex(cache);
  expect(await warm.checkAhead('headers')).toBe(true);
  expect(warm.recall('headers', first)).toMatchObject({ i: 0 });
  expect(warm.recall('headers', changed)).toBeUndefined();
  expect(warm.recall('headers', posts[299] as string)).toMatchObject({ i: 299 });
});
