import { describe, expect, it } from 'vitest';
import { resolveMode } from './mode.js';

describe('resolveMode', () => {
  it('generates when a key is present', () => {
    expect(resolveMode({ env: {}, hasApiKey: true }).mode).toBe('generate');
  });

  it('is cache-only in CI without a key, so placeholders never ship by accident', () => {
    expect(resolveMode({ env: { CI: 'true' }, hasApiKey: false })).toMatchObject({
      mode: 'cache-only',
    });
    expect(resolveMode({ env: { CI: '1' }, hasApiKey: false }).mode).toBe('cache-only');
  });

  it('uses placeholders locally without a key, with a warning', () => {
    for (const env of [{}, { CI: 'false' }, { CI: '0' }, { CI: '' }]) {
      const decision = resolveMode({ env, hasApiKey: false });
      expect(decision.mode).toBe('placeholder');
      expect(decision.warning).toContain('OPENROUTER_API_KEY');
    }
  });

  it('lets HEADERFORGE_MODE override the option, and the option override the default', () => {
    expect(
      resolveMode({ option: 'placeholder', env: { HEADERFORGE_MODE: 'off' }, hasApiKey: true })
        .mode,
    ).toBe('off');
    expect(resolveMode({ option: 'cache-only', env: {}, hasApiKey: true }).mode).toBe('cache-only');
  });

  it('refuses an unknown HEADERFORGE_MODE and generate without a key, naming the source', () => {
    expect(() => resolveMode({ env: { HEADERFORGE_MODE: 'fast' }, hasApiKey: true })).toThrow(
      /HEADERFORGE_MODE="fast".*generate, cache-only, placeholder, off/,
    );
    expect(() => resolveMode({ env: { HEADERFORGE_MODE: 'generate' }, hasApiKey: false })).toThrow(
      /HEADERFORGE_MODE asks for mode "generate" but OPENROUTER_API_KEY is not set/,
    );
    expect(() => resolveMode({ option: 'generate', env: {}, hasApiKey: false })).toThrow(
      /the mode option/,
    );
  });
});
