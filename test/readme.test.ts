import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headerforgeOptionsSchema } from '@headerforge/core';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('documents every option in its options table, and no option that does not exist', () => {
    const documented = [...readme.matchAll(/^\| `(\w+)` \| /gm)].map((match) => match[1]);
    const options = Object.keys(headerforgeOptionsSchema.shape);
    expect(options.filter((name) => !documented.includes(name))).toEqual([]);
    const table = readme.slice(
      readme.indexOf('## Options'),
      readme.indexOf('\n## ', readme.indexOf('## Options') + 1),
    );
    const inTable = [...table.matchAll(/^\| `(\w+)` \| /gm)].map((match) => match[1]);
    expect(inTable.filter((name) => !options.includes(name as string))).toEqual([]);
  });

  it('shows the test command that .ci/run calls', () => {
    expect(readme).toContain('npm test');
    expect(readFileSync(join(import.meta.dirname, '..', '.ci', 'run'), 'utf8')).toMatch(
      /^npm test/m,
    );
  });
});
