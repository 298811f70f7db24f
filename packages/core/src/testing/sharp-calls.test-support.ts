import type Sharp from 'sharp';

/**
 * Counts every call of sharp() in a test file's module graph. Use from a `vi.mock('sharp')`
 * factory (which runs before imports, hence the dynamic import there):
 *
 *   vi.mock('sharp', async (original) =>
 *     (await import('./sharp-calls.test-support.js')).countedSharpModule(await original()));
 */
export const sharpCalls = { count: 0 };

export function countedSharpModule(actual: { default: typeof Sharp }): { default: typeof Sharp } {
  const counted = new Proxy(actual.default, {
    apply(target, self, args) {
      sharpCalls.count += 1;
      return Reflect.apply(target, self, args as Parameters<typeof Sharp>);
    },
  });
  return { default: counted };
}
