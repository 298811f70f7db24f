import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';

/** `util.inspect.custom`, without loading `node:util` here. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * What a host (Vite, Astro) should throw for `error`. A HeaderforgeError is a mistake to fix
 * (a key, an option, a post), named in its message, with a hint: not a bug to trace. Hosts
 * print an error's stack trace, and Astro its cause's too, under the message; so it is
 * thrown without either. Anything else, an unexpected failure, is thrown as it is.
 */
export function forHost(
  error: unknown,
  /** `message`: the hint as the message's last line, for a host that prints only the message. */
  hint: 'own' | 'message' = 'own',
): unknown {
  if (!isHeaderforgeError(error)) return error;
  const inMessage = hint === 'message' && error.hint !== undefined;
  const message = inMessage ? `${error.message}\n${error.hint}` : error.message;
  const shown = new HeaderforgeError(error.code, message, {
    retryable: error.retryable,
    ...(error.hint === undefined || inMessage ? {} : { hint: error.hint }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.scope === undefined ? {} : { scope: error.scope }),
  });
  shown.stack = '';
  // Vite's command prints a thrown error through `util.inspect`: the message and its hint,
  // not the error's fields.
  const shownText = shown.hint === undefined ? message : `${message}\n${shown.hint}`;
  Object.defineProperty(shown, INSPECT, { value: () => `${shown.name}: ${shownText}` });
  return shown;
}

/** `work()`, its mistake thrown through `forHost`. */
export function callForHost<T>(work: () => T, hint: 'own' | 'message' = 'own'): T {
  try {
    return work();
  } catch (error) {
    throw forHost(error, hint);
  }
}

/** `work`, its rejection thrown through `forHost`. */
export function settleForHost<T>(work: Promise<T>, hint: 'own' | 'message' = 'own'): Promise<T> {
  return work.catch((error: unknown) => {
    throw forHost(error, hint);
  });
}
