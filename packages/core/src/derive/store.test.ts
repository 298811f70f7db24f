import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DerivedSet } from './derived-set.js';
import { MANIFEST_FILE } from './manifest.js';
import { keyDirectory, publishDerivedSet, readDerivedSet } from './store.js';
import { makeTempDir, removeStaleTempDirs } from './temp-dirs.js';

// The store never looks inside the images, so these tests write stand-in bytes: the
// warm path is exercised without sharp.

const KEY = `ab${'0'.repeat(62)}`;
let cacheDir: string;

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'hf-store-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A temp dir holding a set's files, as deriveFiles would leave it. */
async function stagedSet(
  marker: string,
): Promise<{ tempDir: string; files: Omit<DerivedSet, 'key'> }> {
  const tempDir = await makeTempDir(keyDirectory(cacheDir, KEY));
  const write = async (name: string, width: number, height: number, format: 'png' | 'webp') => {
    const file = join(tempDir, name);
    const bytes = `${marker}:${name}`;
    await writeFile(file, bytes);
    return { file, width, height, format, bytes: bytes.length };
  };
  return {
    tempDir,
    files: {
      master: await write('master.png', 1344, 756, 'png'),
      variants: [await write('w640.webp', 640, 360, 'webp')],
      lqip: 'data:image/webp;base64,AAAA',
      color: '#3366cc',
    },
  };
}

async function published(marker = 'one'): Promise<DerivedSet> {
  const { tempDir, files } = await stagedSet(marker);
  return publishDerivedSet(cacheDir, KEY, tempDir, files);
}

async function shardEntries(): Promise<string[]> {
  return (await readdir(join(cacheDir, KEY.slice(0, 2)))).sort();
}

describe('publishDerivedSet / readDerivedSet', () => {
  it('publishes under <cacheDir>/<key[0..2]>/<key> and reads the same set back', async () => {
    const set = await published();
    const dir = join(cacheDir, 'ab', KEY);
    expect(set.key).toBe(KEY);
    expect(set.master.file).toBe(join(dir, 'master.png'));
    expect(set.variants[0]?.file).toBe(join(dir, 'w640.webp'));
    expect(await shardEntries()).toEqual([KEY]);
    expect(await readDerivedSet(cacheDir, KEY)).toEqual(set);
  });

  it('stores paths relative to the key dir, so the cache can move', async () => {
    await published();
    const manifest = JSON.parse(await readFile(join(cacheDir, 'ab', KEY, MANIFEST_FILE), 'utf8'));
    expect(manifest.master.file).toBe('master.png');
    const moved = `${cacheDir}-moved`;
    await rm(moved, { recursive: true, force: true });
    await rename(cacheDir, moved);
    try {
      expect((await readDerivedSet(moved, KEY))?.master.file).toBe(
        join(moved, 'ab', KEY, 'master.png'),
      );
    } finally {
      await rename(moved, cacheDir);
    }
  });

  it('finds nothing in an empty cache', async () => {
    expect(await readDerivedSet(cacheDir, KEY)).toBeUndefined();
    expect(await readDerivedSet(join(cacheDir, 'nowhere'), KEY)).toBeUndefined();
  });

  it.each<[string, (dir: string) => Promise<void>]>([
    ['a manifest that is not JSON', (dir) => writeFile(join(dir, MANIFEST_FILE), '{"key": "ab')],
    ['a manifest of another shape', (dir) => writeFile(join(dir, MANIFEST_FILE), '{"key": 1}')],
    ['no manifest', (dir) => rm(join(dir, MANIFEST_FILE))],
    ['a missing file', (dir) => rm(join(dir, 'w640.webp'))],
    ['a truncated file', (dir) => writeFile(join(dir, 'master.png'), 'one')],
    [
      'a manifest for another key',
      async (dir) => {
        const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
        await writeFile(
          join(dir, MANIFEST_FILE),
          JSON.stringify({ ...manifest, key: 'cd'.repeat(32) }),
        );
      },
    ],
    [
      'a manifest pointing outside its folder',
      async (dir) => {
        const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
        manifest.master.file = '../../elsewhere.png';
        await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
      },
    ],
  ])('treats %s as a miss', async (_label, damage) => {
    await published();
    await damage(join(cacheDir, 'ab', KEY));
    expect(await readDerivedSet(cacheDir, KEY)).toBeUndefined();
  });

  it('rejects a key that is not a sha256 hex rather than reading outside the cache', async () => {
    await expect(readDerivedSet(cacheDir, '../../etc')).rejects.toThrow(/not a derivative key/);
  });

  it('lets the first of two racing publishers win; the second discards its own files', async () => {
    const first = await stagedSet('first');
    const second = await stagedSet('second');
    const winner = await publishDerivedSet(cacheDir, KEY, first.tempDir, first.files);
    const loser = await publishDerivedSet(cacheDir, KEY, second.tempDir, second.files);
    expect(loser).toEqual(winner);
    expect(await readFile(loser.master.file, 'utf8')).toBe('first:master.png');
    expect(await shardEntries()).toEqual([KEY]);
  });

  it('replaces a torn set that sits where the new one goes', async () => {
    await published('old');
    await rm(join(cacheDir, 'ab', KEY, 'w640.webp'));
    const fresh = await published('new');
    expect(await readFile(fresh.master.file, 'utf8')).toBe('new:master.png');
    expect(await readDerivedSet(cacheDir, KEY)).toEqual(fresh);
    expect(await shardEntries()).toEqual([KEY]);
  });

  it('never shows a key dir without its manifest: the manifest is in place before the rename', async () => {
    const { tempDir, files } = await stagedSet('one');
    await publishDerivedSet(cacheDir, KEY, tempDir, files);
    await expect(stat(tempDir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(join(cacheDir, 'ab', KEY, MANIFEST_FILE))).isFile()).toBe(true);
  });
});

describe('removeStaleTempDirs', () => {
  it('deletes temp dirs older than the threshold and nothing else', async () => {
    await published();
    const old = await makeTempDir(keyDirectory(cacheDir, KEY));
    await writeFile(join(old, 'master.png'), 'half-written');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    const fresh = await makeTempDir(keyDirectory(cacheDir, KEY));
    const unrelated = join(cacheDir, 'ab', 'notes.tmp-1-2');
    await mkdir(unrelated);
    await utimes(unrelated, hourAgo, hourAgo);

    expect(await removeStaleTempDirs(cacheDir, 600_000)).toEqual([old]);
    expect((await shardEntries()).sort()).toEqual([KEY, basename(fresh), 'notes.tmp-1-2'].sort());
    expect(await readDerivedSet(cacheDir, KEY)).toBeDefined();
  });

  it('is a no-op on a cache that does not exist yet', async () => {
    expect(await removeStaleTempDirs(join(cacheDir, 'missing'), 0)).toEqual([]);
  });
});
