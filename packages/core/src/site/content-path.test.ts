import path from 'node:path';
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
});
