import { describe, expect, it } from 'vitest';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import { forHost } from './host-error.js';

/** The errors module as a second copy would load it: a module of its own, its own class. */
const otherCopy = async () =>
  (await import(
    // @ts-expect-error: a query makes Vite load the same file as a module of its own.
    '../errors/headerforge-error.ts?another-copy'
  )) as typeof import('../errors/headerforge-error.js');

describe('forHost', () => {
  it('throws a mistake without its stack trace, its hint kept', () => {
    const error = new HeaderforgeError('invalid_frontmatter', 'a.md:5: "header" must be a string', {
      hint: 'Write header as a prompt string',
    });
    const shown = forHost(error) as HeaderforgeError;
    expect(shown.stack).toBe('');
    expect(shown.message).toBe(error.message);
    expect(shown.hint).toBe(error.hint);
    const inMessage = forHost(error, 'message') as HeaderforgeError;
    expect(inMessage.message).toBe(`${error.message}\n${error.hint}`);
    expect(inMessage.hint).toBeUndefined();
  });

  it("takes another copy of headerforge's errors for its own (a linked package run by Vite)", async () => {
    const { HeaderforgeError: OtherError } = await otherCopy();
    expect(OtherError).not.toBe(HeaderforgeError);
    const error = new OtherError('invalid_frontmatter', 'a.md:5: bad header', { hint: 'Fix it' });
    expect(error instanceof HeaderforgeError).toBe(false);
    expect(isHeaderforgeError(error)).toBe(true);
    const shown = forHost(error) as HeaderforgeError;
    expect(shown).not.toBe(error);
    expect(shown.stack).toBe('');
    expect(shown.hint).toBe('Fix it');
  });

  it('throws anything else as it is, whatever its name', () => {
    const unexpected = Object.assign(new Error('boom'), { name: 'HeaderforgeError', code: 'io' });
    expect(isHeaderforgeError(unexpected)).toBe(false);
    expect(forHost(unexpected)).toBe(unexpected);
    expect(isHeaderforgeError({ code: 'io', message: 'not an error' })).toBe(false);
  });
});
