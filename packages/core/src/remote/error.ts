import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';

/**
 * A store's failure as one readable line: a timeout, a refused connection or the client's
 * own message, prefixed with the store's label (which never carries a secret).
 */
export function remoteError(label: string, error: unknown, timeoutMs: number): HeaderforgeError {
  if (isHeaderforgeError(error)) return error;
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new HeaderforgeError(
      'remote_unavailable',
      `${label}: no answer within ${timeoutMs} ms`,
      {
        cause: error,
        hint: 'The remote cache is slow or unreachable; raise remote.timeoutMs if it is just slow.',
      },
    );
  }
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = (error as NodeJS.ErrnoException)?.code ?? cause?.code;
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new HeaderforgeError('remote_unavailable', `${label}: cannot connect (${detail})`, {
    cause: error,
    hint: 'Check that the remote cache is running and reachable from this machine.',
  });
}
