import { describe, expect, it } from 'vitest';
import { findHeader } from './find-header.js';

const headers = new Map([
  ['src/content/blog/a.md', 'A'],
  ['src/content/blog/nested/b.mdx', 'B'],
  ['posts/a.md', 'posts A'],
]);

describe('findHeader', () => {
  it('finds a post by its key', () => {
    expect(findHeader(headers, 'src/content/blog/a.md')).toBe('A');
    expect(findHeader(headers, 'posts/a.md')).toBe('posts A');
  });

  it('takes ./ and / prefixes and Windows separators', () => {
    expect(findHeader(headers, './src/content/blog/a.md')).toBe('A');
    expect(findHeader(headers, '/posts/a.md')).toBe('posts A');
    expect(findHeader(headers, 'src\\content\\blog\\nested\\b.mdx')).toBe('B');
    expect(findHeader(headers, '.\\posts\\a.md')).toBe('posts A');
  });

  it('finds an absolute path by the key it ends with', () => {
    expect(findHeader(headers, '/home/me/site/src/content/blog/nested/b.mdx')).toBe('B');
    expect(findHeader(headers, 'C:\\site\\src\\content\\blog\\a.md')).toBe('A');
  });

  it('prefers the exact key, then the first key the path ends with', () => {
    const both = new Map([
      ['a.md', 'short'],
      ['blog/a.md', 'long'],
    ]);
    expect(findHeader(both, 'blog/a.md')).toBe('long');
    expect(findHeader(both, '/site/blog/a.md')).toBe('short');
  });

  it('only matches whole path segments', () => {
    expect(findHeader(headers, '/site/xposts/a.md')).toBeUndefined();
    expect(findHeader(headers, 'content/blog/a.md')).toBeUndefined();
  });

  it('with exact, finds a key (prefixes and separators aside) and nothing that only ends like one', () => {
    expect(findHeader(headers, './posts/a.md', { exact: true })).toBe('posts A');
    expect(findHeader(headers, 'drafts/posts/a.md', { exact: true })).toBeUndefined();
    expect(findHeader(headers, '/home/me/site/posts/a.md', { exact: true })).toBeUndefined();
  });

  it('finds a post by an entry with a filePath or a file', () => {
    expect(findHeader(headers, { filePath: 'src/content/blog/a.md' })).toBe('A');
    expect(findHeader(headers, { file: './posts/a.md' })).toBe('posts A');
    expect(findHeader(headers, { filePath: 'posts/a.md', file: 'src/content/blog/a.md' })).toBe(
      'posts A',
    );
  });

  it('finds nothing for unknown posts and for what names no path', () => {
    expect(findHeader(headers, 'src/content/blog/c.md')).toBeUndefined();
    expect(findHeader(headers, '')).toBeUndefined();
    expect(findHeader(headers, {})).toBeUndefined();
    expect(findHeader(headers, undefined)).toBeUndefined();
    expect(findHeader(headers, null)).toBeUndefined();
  });
});
