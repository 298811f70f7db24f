import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The built `headerforge` bin (`npm test` builds before testing). */
export const headerforgeBin = join(
  import.meta.dirname,
  '..',
  '..',
  'packages',
  'core',
  'dist',
  'cli',
  'bin.js',
);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bin as a user runs it: a child process, not a TTY, with no key or mode of the
 * test runner's own (`env` adds what a test wants).
 */
export function runHeaderforge(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const {
    OPENROUTER_API_KEY: _key,
    HEADERFORGE_MODE: _mode,
    NODE_ENV: _env,
    ...inherited
  } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [headerforgeBin, ...args],
      { env: { ...inherited, ...env } as NodeJS.ProcessEnv, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
