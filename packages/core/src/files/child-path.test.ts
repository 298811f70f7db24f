import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPath } from './child-path.js';

describe('childPath', () => {
  it('is join for bare names, whatever the folder looks like', () => {
    const key = 'ab'.repeat(32);
    for (const folder of [
      '/tmp/cache',
      '/tmp/cache/',
      '/tmp/./x/../cache',
      '/',
      'rel/cache',
      './rel/',
    ]) {
      expect(childPath(folder, key.slice(0, 2), key)).toBe(join(folder, key.slice(0, 2), key));
      // The folder's normalised form is kept: the second call gives the same.
      expect(childPath(folder, `${key}.jpg`)).toBe(join(folder, `${key}.jpg`));
    }
  });
});
