import { HeaderforgeError } from '../errors/headerforge-error.js';

/**
 * Reads a whole response body, refusing more than `maxBytes`: a runaway or hostile
 * response must not take the build's memory with it.
 */
export async function readBodyBounded(
  body: AsyncIterable<Uint8Array> | null,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(what, maxBytes);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * The same bound for a body read as it arrives (an event stream): the chunks pass through
 * until the total would exceed `maxBytes`, then reading stops with the same error.
 */
export async function* boundedChunks(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(what, maxBytes);
    yield chunk;
  }
}

function tooLarge(what: string, maxBytes: number): HeaderforgeError {
  return new HeaderforgeError(
    'bad_response',
    `${what} is larger than ${maxBytes >= 2 ** 20 ? `${Math.round(maxBytes / 2 ** 20)} MiB` : `${Math.round(maxBytes / 2 ** 10)} KiB`}; refusing to read further`,
    { hint: 'Raise `maxResponseBytes` if your model really returns images this large.' },
  );
}
