import { describe, expect, it } from 'vitest';
import type { HeaderResult } from '../pipeline/summary.js';
import { headersSignature } from './headers-signature.js';

/** The parts of a header the signature reads. */
const header = (master: string, cards: string[] = []) =>
  ({
    derived: { master: { file: master } },
    ...(cards.length > 0 ? { cards: cards.map((file) => ({ file })) } : {}),
  }) as unknown as HeaderResult;

const signature = (entries: Array<[string, HeaderResult]>) => headersSignature(new Map(entries));

describe('headersSignature', () => {
  const base: Array<[string, HeaderResult]> = [
    ['blog/a.md', header('/c/derived/aa/1/master.png', ['/c/cards/1.jpg'])],
    ['blog/b.md', header('/c/derived/bb/2/master.png')],
  ];

  it('is the same for the same headers, and short', () => {
    expect(signature(base)).toBe(signature(base.map(([file, h]) => [file, h])));
    expect(signature(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a post gains, loses or changes its image or card', () => {
    const seen = new Set([signature(base)]);
    const variants: Array<Array<[string, HeaderResult]>> = [
      [base[0] as [string, HeaderResult]],
      [...base, ['blog/c.md', header('/c/derived/cc/3/master.png')]],
      [base[0] as [string, HeaderResult], ['blog/b.md', header('/c/derived/bb/9/master.png')]],
      [['blog/a.md', header('/c/derived/aa/1/master.png')], base[1] as [string, HeaderResult]],
      [
        ['blog/a.md', header('/c/derived/aa/1/master.png', ['/c/cards/2.jpg'])],
        base[1] as [string, HeaderResult],
      ],
      [['blog/z.md', base[0]?.[1] as HeaderResult], base[1] as [string, HeaderResult]],
    ];
    for (const variant of variants) seen.add(signature(variant));
    expect(seen.size).toBe(variants.length + 1);
  });

  it('does not take one post’s card for the next post’s file', () => {
    const cardThenPost = signature([
      ['a.md', header('m1', ['card'])],
      ['b.md', header('m2')],
    ]);
    // The same paths in the same order, split into posts differently.
    const postNamedCard = signature([
      ['a.md', header('m1')],
      ['card', header('b.md', ['m2'])],
    ]);
    expect(cardThenPost).not.toBe(postNamedCard);
    expect(signature([['ab', header('c')]])).not.toBe(signature([['a', header('bc')]]));
  });
});
