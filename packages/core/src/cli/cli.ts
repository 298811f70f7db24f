import { cac } from 'cac';
import { isHeaderforgeError } from '../errors/headerforge-error.js';
import { headerforgeVersion } from '../site/package-version.js';
import { compact } from './compact.js';
import { doctor } from './doctor.js';
import { generate } from './generate.js';
import { type CliIO, processIO } from './io.js';
import { models } from './models.js';
import { pick } from './pick.js';
import { prune } from './prune.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { reroll } from './reroll.js';
import { sheet } from './sheet.js';
import { status } from './status.js';

/** Exit codes, documented in the README: 0 ok, 1 failures, 2 usage. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const numberFlag = (name: string, value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new UsageError(`--${name} expects a number, got "${String(value)}"`);
  return parsed;
};

class UsageError extends Error {}

/** Runs `headerforge <argv>` and resolves with the exit code; never throws. */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  const cli = cac('headerforge');
  let pending: Promise<number> | undefined;
  const shared = (command: ReturnType<typeof cli.command>) =>
    command
      .option('--root <dir>', 'The site folder (default: the current folder)', { default: '.' })
      .option(
        '--config <file>',
        'The Astro or Vite config to read options from (default: detected)',
      )
      .option('--json', 'Print JSON for scripts');

  shared(cli.command('generate', 'Fill the cache: generate every missing header image'))
    .option('--dry-run', 'List what would be generated and its estimated cost; request nothing')
    .option('--concurrency <n>', 'Images generated at once')
    .option('--max-cost <usd>', 'Stop before this run spends more than this')
    .option(
      '--only <glob>',
      'Only posts whose content path matches, e.g. "src/content/blog/2026-*"',
    )
    .option(
      '--reroll <post>',
      'A new image for this post: raise its seed in its frontmatter, then generate it',
    )
    .action((flags) => {
      pending = generate(
        {
          root: flags.root,
          config: flags.config,
          json: flags.json,
          dryRun: flags.dryRun,
          only: flags.only,
          reroll: flags.reroll,
          concurrency: numberFlag('concurrency', flags.concurrency),
          maxCost: numberFlag('max-cost', flags.maxCost),
        },
        io,
      );
    });
  shared(
    cli.command(
      'status',
      'List every post with a header, whether its image is cached, and whether the remote has it',
    ),
  ).action((flags) => {
    pending = status({ root: flags.root, config: flags.config, json: flags.json }, io);
  });
  shared(
    cli.command(
      'pick <post> <k>',
      'Show candidate K (from 1) in a post: writes `pick: K` into its header, nothing else',
    ),
  ).action((post: string, k: string | number, flags) => {
    pending = pick(
      { root: flags.root, config: flags.config, json: flags.json, post, k: String(k) },
      io,
    );
  });
  shared(
    cli.command(
      'reroll <post>',
      'A new image for a post: raises the seed in its header (the next generate or build makes it)',
    ),
  )
    .option('--candidates <n>', 'Also have N images to choose from (1–8); a pick goes back to 1')
    .action((post: string, flags) => {
      const candidates = numberFlag('candidates', flags.candidates);
      pending = reroll(
        {
          root: flags.root,
          config: flags.config,
          json: flags.json,
          post,
          ...(candidates === undefined ? {} : { candidates }),
        },
        io,
      );
    });
  shared(cli.command('prune', 'Remove cache entries that no post uses (never automatic)'))
    .option('--dry-run', 'List what would be removed, and its size; delete nothing')
    .action((flags) => {
      pending = prune(
        { root: flags.root, config: flags.config, json: flags.json, dryRun: flags.dryRun },
        io,
      );
    });
  shared(
    cli.command(
      'compact',
      'Store the cached images compactly, in place (as the `original: "compact"` option does for new ones)',
    ),
  )
    .option('--dry-run', 'List what would be converted, and the bytes saved; write nothing')
    .action((flags) => {
      pending = compact(
        { root: flags.root, config: flags.config, json: flags.json, dryRun: flags.dryRun },
        io,
      );
    });
  for (const [name, describe, run] of [
    ['push', 'Upload cached images the remote cache does not have (never overwrites)', push],
    ['pull', 'Copy images the posts need from the remote cache into the local cache', pull],
  ] as const) {
    shared(cli.command(name, describe))
      .option('--dry-run', 'List what would be copied; copy nothing')
      .action((flags) => {
        pending = run(
          { root: flags.root, config: flags.config, json: flags.json, dryRun: flags.dryRun },
          io,
        );
      });
  }
  shared(cli.command('sheet', 'Write every candidate image of every post on one HTML page'))
    .option('--only <glob>', 'Only posts whose content path matches')
    .option('--out <file>', 'Where to write it (default: headerforge-sheet.html in the site)')
    .action((flags) => {
      pending = sheet(
        {
          root: flags.root,
          config: flags.config,
          json: flags.json,
          only: flags.only,
          out: flags.out,
        },
        io,
      );
    });
  shared(cli.command('doctor', 'Check the machine, the key, the server, the model and the cache'))
    .option('--quick', 'Check cached images by size and sidecar instead of hashing every byte')
    .action((flags) => {
      pending = doctor(
        { root: flags.root, config: flags.config, json: flags.json, quick: flags.quick },
        io,
      );
    });
  cli
    .command('models', 'List the image models OpenRouter offers, with ratios, sizes and prices')
    .option('--json', 'Print JSON for scripts')
    .action((flags) => {
      pending = models({ json: flags.json }, io);
    });
  cli.help();
  cli.version(headerforgeVersion());

  try {
    cli.parse(['node', 'headerforge', ...argv], { run: false });
    if (cli.options.help || cli.options.version) return EXIT.ok;
    if (!cli.matchedCommand) {
      const name = cli.args[0];
      io.err(name ? `headerforge: unknown command "${name}"` : 'headerforge: which command?');
      io.err('Run `headerforge --help` for the commands.');
      return EXIT.usage;
    }
    await cli.runMatchedCommand();
    return await (pending ?? Promise.resolve(EXIT.ok));
  } catch (error) {
    return reportError(error, io);
  }
}

/** One line and a hint for what the user can fix; a stack trace only for our own bugs. */
function reportError(error: unknown, io: CliIO): number {
  if (isHeaderforgeError(error)) {
    io.err(`headerforge: ${error.message}`);
    if (error.hint) io.err(`  hint: ${error.hint}`);
    return error.code === 'invalid_option' ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof UsageError || (error as Error)?.name === 'CACError') {
    io.err(`headerforge: ${(error as Error).message}`);
    io.err('Run `headerforge --help` for usage.');
    return EXIT.usage;
  }
  io.err(
    `headerforge: unexpected error (please report it): ${(error as Error)?.stack ?? String(error)}`,
  );
  return EXIT.failed;
}
