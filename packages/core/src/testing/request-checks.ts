import { errorReply, type Reply } from './reply.js';

/** The value when allowed, else OpenRouter's 400 "Invalid option" naming the parameter. */
export function checkOption(
  param: string,
  value: unknown,
  allowed: readonly string[],
): string | Reply {
  if (typeof value === 'string' && allowed.includes(value)) return value;
  return errorReply(
    400,
    `Invalid option for ${param}: '${String(value)}'. Expected one of ${allowed.join(', ')}`,
    { metadata: { param, value, allowed } },
  );
}
