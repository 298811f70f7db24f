import { matchesGlob } from 'node:path';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { requestOf } from '../providers/openrouter.js';
import { estimateCost } from '../providers/pricing.js';
import { type BuildHeadersResult, buildHeaders } from '../site/build-headers.js';
import { rerollPost } from '../site/post-edits.js';
import { siteClient } from '../site/site-client.js';
import { type CliIO, withSiteEnv } from './io.js';
import { type LoadedSite, loadSite } from './load-site.js';
import { planSite } from './plan.js';
import { progressReporter } from './progress.js';
import { table, usd } from './table.js';

export interface GenerateFlags {
  root: string;
  config?: string;
  concurrency?: number;
  maxCost?: number;
  json?: boolean;
  dryRun?: boolean;
  /** Only posts whose content path matches this glob. */
  only?: string;
  /** A post to give a new image: its seed is raised in its frontmatter, then it is generated. */
  reroll?: string;
}

/** `headerforge generate`: fills the committed cache for a site, paying only for misses. */
export async function generate(flags: GenerateFlags, io: CliIO): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const env = withSiteEnv(io.env, site.root);
  if (flags.dryRun) return dryRun(site, env, flags, io);
  if (!env.OPENROUTER_API_KEY?.trim()) {
    throw new HeaderforgeError('auth', 'OPENROUTER_API_KEY is not set: nothing can be generated', {
      hint: 'Set it in the environment or the site’s .env (keys: https://openrouter.ai/settings/keys). `headerforge generate --dry-run` shows what would be generated.',
    });
  }
  const options = {
    ...site.options,
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    ...(flags.maxCost === undefined ? {} : { maxCostUsd: flags.maxCost }),
  };
  let only = flags.only;
  if (flags.reroll) {
    const rerolled = await rerollPost(site, flags.reroll);
    if (!flags.json)
      io.out(`${rerolled.file}: seed is now ${rerolled.seed} (recorded in its frontmatter)`);
    only = rerolled.file;
  }
  const progress = progressReporter(io);
  const result = await buildHeaders({
    // The root, and what the config tells the title cards (the site's name, its languages),
    // as the host's own build reads them.
    ...site,
    options,
    env: { ...env, HEADERFORGE_MODE: 'generate' },
    ...(only ? { only } : {}),
    // What the site's own build derives: Astro makes its responsive variants itself.
    ...(site.host === 'astro' ? { variants: false } : {}),
    onEvent: (event) => {
      if (!flags.json) progress.event(event);
    },
  });
  progress.finish();
  if (flags.json) io.out(JSON.stringify(jsonResult(result), null, 2));
  else report(result, io);
  return result.failures.length > 0 ? 1 : 0;
}

function report(result: BuildHeadersResult, io: CliIO): void {
  const { summary } = result;
  const columns: Array<[string, string]> = [
    ['generated', String(summary.generated)],
    ['cached', String(summary.cached)],
    ...(result.remote
      ? ([
          ['from remote', String(summary.remoteHits)],
          ['uploaded', String(summary.remoteWrites)],
          ['remote fallbacks', String(summary.remoteFallbacks)],
        ] as Array<[string, string]>)
      : []),
    ['from another build', String(summary.reused)],
    ['failed', String(summary.failed)],
    ['placeholder', String(summary.placeholders)],
    ['cost', usd(summary.costUsd)],
    ['time', `${(summary.durationMs / 1000).toFixed(1)} s`],
  ];
  io.out('');
  io.out(
    table(
      columns.map(([name]) => name),
      [columns.map(([, value]) => value)],
    ),
  );
  for (const failure of result.failures) {
    io.err(
      `${failure.file}${failure.line ? `:${failure.line}` : ''}: ${failure.message}${failure.hint ? `\n  hint: ${failure.hint}` : ''}`,
    );
  }
}

function jsonResult(result: BuildHeadersResult) {
  return {
    summary: result.summary,
    remote: result.remote ?? null,
    headers: result.headers.map((header) => ({
      file: header.job.file,
      key: header.key,
      source: header.source,
    })),
    failures: result.failures,
  };
}

/** What `generate` would pay for, priced from the model catalogue; makes no paid request. */
async function dryRun(
  site: LoadedSite,
  env: NodeJS.ProcessEnv,
  flags: GenerateFlags,
  io: CliIO,
): Promise<number> {
  const { only } = flags;
  const posts = (await planSite(site)).posts.filter(
    (post) => !only || matchesGlob(post.job.file, only),
  );
  const client = siteClient(env, site.options);
  // Posts sharing a final prompt share one image: price each key once. Every candidate not
  // made yet counts, shown or not: the images still to pay for.
  const byKey = new Map<string, { job: HeaderJob; files: string[] }>();
  for (const post of posts) {
    for (const candidate of post.candidates.filter((c) => c.status !== 'cached')) {
      const known = byKey.get(candidate.key);
      if (known) known.files.push(post.job.file);
      else
        byKey.set(candidate.key, {
          job: { ...post.job, pick: candidate.candidate },
          files: [post.job.file],
        });
    }
  }
  const planned = await Promise.all(
    [...byKey].map(async ([key, { job, files }]) => {
      // Where the image would be made, and the model's prices there; a request the endpoint
      // would refuse is priced as unknown here, and fails with its reason when generated.
      const route = await client.preflight(requestOf(job, false)).catch(() => undefined);
      return {
        posts: files,
        model: job.model,
        imageSize: job.imageSize,
        key,
        ...((job.pick ?? 1) > 1 ? { candidate: job.pick } : {}),
        transport: route?.transport ?? null,
        estimateUsd: estimateCost(job.prompt, route?.entry, { transport: route?.transport }),
        priced: Boolean(route?.entry),
      };
    }),
  );
  const total = planned.reduce((sum, item) => sum + item.estimateUsd, 0);
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          toGenerate: planned,
          cached: posts.length - planned.flatMap((p) => p.posts).length,
          estimateUsd: total,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (planned.length === 0) {
    io.out(`All ${posts.length} headers are cached: nothing to generate.`);
    return 0;
  }
  io.out(
    table(
      ['post', 'model', 'size', 'estimate', 'endpoint'],
      planned.map((item) => [
        `${item.posts.join(', ')}${'candidate' in item ? ` (candidate ${item.candidate})` : ''}`,
        item.model,
        item.imageSize,
        `${usd(item.estimateUsd)}${item.priced ? '' : ' (no price list)'}`,
        item.transport ?? '—',
      ]),
    ),
  );
  io.out(
    `\n${planned.length} images to generate, about ${usd(total)} · dry run: nothing was requested`,
  );
  return 0;
}
