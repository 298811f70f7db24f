/**
 * The API key must never reach a message, a log line or a serialised error. Anything
 * that quotes text we did not write (server bodies, transport errors) passes through here.
 */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

/** A copy of a thrown value that keeps its message and errno code but nothing else. */
export function safeCause(cause: unknown, secret: string | undefined): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  const copy = new Error(redact(message, secret));
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(copy, { code });
  const inner = cause instanceof Error ? cause.cause : undefined;
  if (inner !== undefined)
    Object.defineProperty(copy, 'cause', { value: safeCause(inner, secret) });
  copy.stack = `Error: ${copy.message}`;
  return copy;
}

/** The first characters of a body we could not use, on one line, for an error message. */
export function excerpt(body: string, secret: string | undefined, max = 160): string {
  const oneLine = redact(body, secret).replace(/\s+/g, ' ').trim();
  if (oneLine.length === 0) return '(empty body)';
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
