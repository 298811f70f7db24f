import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentPath } from './content-path.js';

const root = path.resolve('/sites/blog');

describe('contentPath', () => {
  it('keys a file by its path from the root, with forward slashes', () => {
    expect(contentPath(root, path.join(root, 'src', 'content', 'a.md'))).toBe('src/content/a.md');
  });

  it('takes root-relative paths, with or without ./', () => {
    expect(contentPath(root, 'src/content/a.md')).toBe('src/content/a.md');
    expect(contentPath(root, './src/content/a.md')).toBe('src/content/a.md');
    expect(contentPath(root, 'src/content/../content/a.md')).toBe('src/content/a.md');
  });

  it('keeps a file outside the root outside, as ../', () => {
    expect(contentPath(root, path.resolve('/sites/shared/b.md'))).toBe('../shared/b.md');
  });

  it('gives any path what resolving it against the root and back gives', () => {
    // Short circuits for paths already in that form must agree with the long way.
    const segment = fc.constantFrom('', '.', '..', 'a', 'b.md', 'C:', 'x\\y', '.hidden');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.boolean(), (segments, leading) => {
        const file = `${leading ? '/' : ''}${segments.join('/')}`;
        const expected = path.posix.relative(root, path.posix.resolve(root, file));
        expect(contentPath(root, file)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
