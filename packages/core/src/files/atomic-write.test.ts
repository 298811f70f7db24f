import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeOrphanTempFiles, tempPathFor } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-atomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('tempPathFor', () => {
  it("names every temp file apart, beside its file, with this process's pid", () => {
    const file = join(dir, 'ab', 'entry.json');
    const names = Array.from({ length: 1000 }, () => tempPathFor(file));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(dirname(name)).toBe(dirname(file));
      expect(basename(name)).toMatch(
        new RegExp(`^\\.entry\\.json\\.tmp-${process.pid}-[0-9a-f]+$`),
      );
    }
  });

  it('leaves its own temp files to this process, and a dead writer’s to removal', async () => {
    const own = tempPathFor(join(dir, 'entry.json'));
    const dead = join(dir, '.entry.json.tmp-999999-00ff');
    await writeFile(own, 'mine');
    await writeFile(dead, 'left behind');
    expect(await removeOrphanTempFiles(dir)).toEqual([dead]);
  });
});
