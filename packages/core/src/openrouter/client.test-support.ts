import { expect } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';

/** The HeaderforgeError a call fails with; the test fails if it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<HeaderforgeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(HeaderforgeError);
  return error as HeaderforgeError;
}
