import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFileWriter } from './file-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-file-writer-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('startFileWriter', () => {
  it('writes each file whole, from bytes that are a view of a larger buffer, and text', async () => {
    const writer = startFileWriter();
    const batch = Buffer.from('0123456789abcdef');
    const view = batch.subarray(4, 8);
    await Promise.all([
      writer.write([
        [join(dir, 'a.bin'), view],
        [join(dir, 'a.json'), '{"a":1}\n'],
      ]),
      writer.write([[join(dir, 'b.bin'), batch]]),
    ]);
    await writer.close();
    expect(await readFile(join(dir, 'a.bin'), 'utf8')).toBe('4567');
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}\n');
    expect(await readFile(join(dir, 'b.bin'), 'utf8')).toBe('0123456789abcdef');
    // The caller's buffer is still its own (only copies crossed to the thread).
    expect(batch.toString()).toBe('0123456789abcdef');
    expect((await readdir(dir)).sort()).toEqual(['a.bin', 'a.json', 'b.bin']);
  });

  it('stops at the first file that fails, with its error and code, leaving no temp file', async () => {
    const writer = startFileWriter();
    const failing = writer.write([
      [join(dir, 'first.bin'), new Uint8Array([1])],
      [join(dir, 'missing', 'second.bin'), new Uint8Array([2])],
      [join(dir, 'third.bin'), new Uint8Array([3])],
    ]);
    await expect(failing).rejects.toMatchObject({ code: 'ENOENT' });
    // The writer goes on with the next write.
    await writer.write([[join(dir, 'after.bin'), new Uint8Array([4])]]);
    await writer.close();
    expect((await readdir(dir)).sort()).toEqual(['after.bin', 'first.bin']);
  });

  it('closes with nothing written, and can be closed twice', async () => {
    const writer = startFileWriter();
    await writer.close();
    await writer.close();
  });
});
