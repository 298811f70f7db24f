import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@headerforge/core';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const fromCode = readme.slice(
  readme.indexOf('## From code'),
  readme.indexOf('\n## ', readme.indexOf('## From code') + 1),
);

describe('@headerforge/core', () => {
  it('exports at run time exactly the names the README’s From code section imports', () => {
    const block = /import \{([^}]*)\} from '@headerforge\/core';/.exec(fromCode)?.[1] ?? '';
    const documented = block
      .replace(/\/\/.*$/gm, '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
      .sort();
    expect(Object.keys(core).sort()).toEqual(documented);
  });

  it('keeps its public API small', () => {
    expect(Object.keys(core).length).toBeLessThan(40);
  });

  it('describes every exported name in the From code table', () => {
    const undescribed = Object.keys(core).filter(
      (name) => !new RegExp(`^\\| [^|]*\`${name}[\`(]`, 'm').test(fromCode),
    );
    expect(undescribed).toEqual([]);
  });
});
