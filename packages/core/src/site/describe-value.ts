const MAX_LENGTH = 60;

/**
 * A user's value as it appears after "got" in an error message: strings quoted, lists and
 * objects as compact JSON, long values shortened so one bad option cannot flood the log.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_LENGTH ? `${value.slice(0, MAX_LENGTH - 1)}…` : value);
  }
  // Before JSON, which would print NaN and Infinity as null.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Circular structures and the like: the kind of value is all we can say.
  }
  if (json === undefined) return Array.isArray(value) ? 'a list' : 'an object';
  return json.length > MAX_LENGTH ? `${json.slice(0, MAX_LENGTH - 1)}…` : json;
}
