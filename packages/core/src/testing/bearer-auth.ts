/**
 * OpenRouter's answer to a request's credentials: undefined when accepted, else the message of
 * its 401. Without a configured key any non-empty bearer is accepted.
 */
export function bearerRejection(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | undefined {
  const token = /^Bearer\s+(.*)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!token) return 'No auth credentials found';
  if (apiKey !== undefined && token !== apiKey) return 'User not found.';
  return undefined;
}
