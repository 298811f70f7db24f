import { HeaderforgeError } from '../errors/headerforge-error.js';

export const MODES = ['generate', 'cache-only', 'placeholder', 'off'] as const;
export type Mode = (typeof MODES)[number];

export interface ModeDecision {
  mode: Mode;
  /** Why this mode, in words for a log line. */
  reason: string;
  /** Set when the user should hear about the choice (e.g. placeholders instead of images). */
  warning?: string;
}

export interface ModeInput {
  /** The `mode` option, if the site set one. */
  option?: Mode | undefined;
  env?: NodeJS.ProcessEnv;
  hasApiKey: boolean;
}

function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * HEADERFORGE_MODE beats the option (so CI can force a mode without editing config); without
 * either, a key means generate, CI without a key means cache-only (never ship placeholders
 * by accident), and a laptop without a key gets placeholders so the site still builds.
 */
export function resolveMode({ option, env = process.env, hasApiKey }: ModeInput): ModeDecision {
  const fromEnv = env.HEADERFORGE_MODE?.trim();
  if (fromEnv) {
    if (!(MODES as readonly string[]).includes(fromEnv)) {
      throw new HeaderforgeError(
        'invalid_option',
        `HEADERFORGE_MODE="${fromEnv}" is not a mode; expected one of ${MODES.join(', ')}`,
        {
          hint: 'Unset HEADERFORGE_MODE or set it to generate, cache-only, placeholder or off.',
        },
      );
    }
    return checked(fromEnv as Mode, 'HEADERFORGE_MODE', hasApiKey);
  }
  if (option) return checked(option, 'the mode option', hasApiKey);
  if (hasApiKey) return { mode: 'generate', reason: 'OPENROUTER_API_KEY is set' };
  if (isCI(env)) {
    return {
      mode: 'cache-only',
      reason: 'CI without OPENROUTER_API_KEY: only cached images are used',
    };
  }
  return {
    mode: 'placeholder',
    reason: 'no OPENROUTER_API_KEY',
    warning:
      'No OPENROUTER_API_KEY: posts without a cached header get offline placeholder art. Set the key (environment or .env) to generate real images.',
  };
}

function checked(mode: Mode, source: string, hasApiKey: boolean): ModeDecision {
  if (mode === 'generate' && !hasApiKey) {
    throw new HeaderforgeError(
      'auth',
      `${source} asks for mode "generate" but OPENROUTER_API_KEY is not set`,
      {
        hint: 'Set OPENROUTER_API_KEY in the environment or .env, or use mode "placeholder" or "cache-only".',
      },
    );
  }
  return { mode, reason: `set by ${source}` };
}
