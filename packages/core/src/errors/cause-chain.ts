/** An error and the errors in its `cause` chain, outermost first (at most 8). */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 8; ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
