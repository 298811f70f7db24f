import path from 'node:path';
import { z } from 'zod';
import type { CardSettings } from '../derive/card-spec.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { FOCUS_VALUES } from '../image/focus.js';
import { OUTPUT_FORMATS } from '../image/output-formats.js';
import {
  ASPECT_RATIOS,
  EXTENDED_ASPECT_RATIOS,
  EXTENDED_IMAGE_SIZES,
  IMAGE_SIZES,
} from '../image/ratios.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from '../openrouter/client-options.js';
import { TRANSPORT_CHOICES } from '../openrouter/transport.js';
import { DEFAULT_REMOTE_TIMEOUT_MS } from '../remote/settings.js';
import { redactRemoteUrl, remoteUrlSchema } from '../remote/url.js';
import {
  type HostSiteContext,
  type OgOption,
  ogOptionSchema,
  ogProblem,
  resolveOgOption,
} from './card-options.js';
import { closestName } from './closest-name.js';
import { describeValue } from './describe-value.js';
import { outsideRoot } from './inside-root.js';
import { MODES } from './mode.js';
import { DEFAULT_AUTO_TEMPLATE } from './prompt.js';

/** Candidates per prompt: a page of them stays reviewable, and a mistake stays cheap. */
export const MAX_CANDIDATES = 8;
export const candidatesSchema = z.int().min(1).max(MAX_CANDIDATES);
export const CANDIDATES_EXPECTED = `an integer from 1 to ${MAX_CANDIDATES}`;
/** References per post, site's and post's together; a model may accept fewer (checked before paying). */
export const MAX_REFERENCES = 16;
/** Largest reference file: every request carries it, base64, so it stays small. */
export const MAX_REFERENCE_BYTES = 10 * 2 ** 20;

const MAX_CONCURRENCY = 32;
const MAX_RETRIES = 10;
const MIN_TIMEOUT_MS = 1000;

const MIN_REMOTE_TIMEOUT_MS = 100;

/** The `remote` option: a URL, or an object with the URL and how to use it. */
const remoteSchema = z
  .union([
    z.string(),
    z.strictObject({
      url: z.string(),
      readOnly: z.boolean().optional(),
      timeoutMs: z.int().min(MIN_REMOTE_TIMEOUT_MS).optional(),
    }),
  ])
  .superRefine((value, ctx) => {
    const url = typeof value === 'string' ? value : value.url;
    const parsed = remoteUrlSchema.safeParse(url);
    if (!parsed.success)
      ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid URL' });
  })
  .transform((value) => ({
    url: typeof value === 'string' ? value : value.url,
    readOnly: typeof value === 'string' ? false : (value.readOnly ?? false),
    timeoutMs:
      typeof value === 'string'
        ? DEFAULT_REMOTE_TIMEOUT_MS
        : (value.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS),
  }));

/** Every ratio some model accepts; whether *this* model does is checked against its capabilities. */
export const aspectRatioSchema = z.enum([...ASPECT_RATIOS, ...EXTENDED_ASPECT_RATIOS]);
/** Every image size some model accepts, smallest first. */
export const imageSizeSchema = z.enum([...EXTENDED_IMAGE_SIZES, ...IMAGE_SIZES]);
export const focusSchema = z.enum(FOCUS_VALUES);

/** `one of a, b, c`: the expected-value wording shared by option and frontmatter messages. */
export function oneOf(values: readonly string[]): string {
  return `one of ${values.join(', ')}`;
}

/**
 * `description` is the option's documentation: the README's options table is generated from
 * it (`npm run docs:options`). `expected` is what an error message says a valid value looks
 * like. The fields carry no JSDoc: TypeScript does not show it through `z.input<>` (the
 * emitted .d.ts drops it and editors' hover does not find it), so it would only be a second
 * copy to keep in step.
 */
/**
 * A field's README sentence and, for its error, what it takes; `defaultText` when the parsed
 * default would read badly in the README's table (an object).
 */
function doc(description: string, expected: string, defaultText?: string) {
  return defaultText === undefined
    ? { description, expected }
    : { description, expected, defaultText };
}

const autoTemplateSchema = z
  .string()
  .trim()
  .min(1)
  // Without {title} every post would share one prompt, and so one image.
  .refine((template) => template.includes('{title}'));

export const headerforgeOptionsSchema = z.strictObject({
  include: z
    .array(z.string().trim().min(1))
    .min(1)
    .default(() => ['src/content/**/*.{md,mdx}'])
    .meta(
      doc(
        'Globs of content files whose frontmatter is read, relative to the project root.',
        'a non-empty list of glob strings',
      ),
    ),
  exclude: z
    .array(z.string().trim().min(1))
    .default(() => [])
    .meta(
      doc(
        'Globs to leave out of `include`; `node_modules`, `dist` and `.git` are always left out.',
        'a list of glob strings',
      ),
    ),
  field: z
    .string()
    .trim()
    .min(1)
    .default('header')
    .meta(doc("Frontmatter field that holds a post's header prompt.", 'a non-empty string')),
  model: z
    .string()
    .trim()
    .min(1)
    .default('google/gemini-2.5-flash-image')
    .meta(
      doc(
        'OpenRouter image model for posts that do not name their own.',
        'an OpenRouter model id such as "google/gemini-2.5-flash-image"',
      ),
    ),
  aspectRatio: aspectRatioSchema
    .default('16:9')
    .meta(
      doc(
        'Aspect ratio asked of the model; the header is then cropped to exactly this ratio.',
        oneOf(aspectRatioSchema.options),
      ),
    ),
  imageSize: imageSizeSchema
    .default('1K')
    .meta(
      doc(
        'Resolution asked of the model (`image_size`): `1K`, `2K` or `4K`, or `0.5K` on the models that accept it; larger sizes cost more.',
        oneOf(imageSizeSchema.options),
      ),
    ),
  style: z
    .string()
    .trim()
    .min(1)
    .optional()
    .meta(
      doc(
        'Site-wide style put before every prompt, e.g. `"Flat vector art, muted palette."`.',
        'a non-empty string',
      ),
    ),
  auto: z
    .union([z.boolean(), z.strictObject({ template: autoTemplateSchema })])
    .default(false)
    .transform((auto) => (auto === true ? { template: DEFAULT_AUTO_TEMPLATE } : auto))
    .meta(
      doc(
        'Give posts without a header field a prompt built from their `title` and `description`: `true` for the default template, or `{ template }` with `{title}` and `{description}`.',
        'true, false or { template: string } where the template contains {title}',
      ),
    ),
  references: z
    .array(z.string().trim().min(1))
    .max(MAX_REFERENCES)
    .default(() => [])
    .meta(
      doc(
        `Reference images sent with every prompt for a consistent look (see [Art direction](#art-direction)): paths relative to the project root, read once per build. A post adds its own with \`header.references\`, or sends none with \`references: false\`. Their bytes and order are part of each image's key: replacing a reference re-generates, renaming one does not. Each must be a PNG, JPEG, WebP, GIF or AVIF of at most ${MAX_REFERENCE_BYTES / 2 ** 20} MiB.`,
        `a list of at most ${MAX_REFERENCES} image paths`,
      ),
    ),
  candidates: candidatesSchema
    .default(1)
    .meta(
      doc(
        "How many images of each prompt to have, to choose from with a post's `header.pick` (`headerforge pick`); a post may set its own. Raising it pays only for the images not made yet; lowering it keeps them.",
        CANDIDATES_EXPECTED,
      ),
    ),
  review: z
    .boolean()
    .default(true)
    .meta(
      doc(
        'The review page at `/__headerforge/` in `vite dev` and `astro dev`: every header with its candidates, and actions that edit the frontmatter (see [Review page](#review-page)). `false` turns it off; a build never serves it.',
        'true or false',
      ),
    ),
  concurrency: z
    .int()
    .min(1)
    .max(MAX_CONCURRENCY)
    .default(4)
    .meta(
      doc(
        `How many images are generated at the same time (1–${MAX_CONCURRENCY}).`,
        `an integer from 1 to ${MAX_CONCURRENCY}`,
      ),
    ),
  cacheDir: z
    .string()
    .trim()
    .min(1)
    .default('.headerforge')
    .meta(
      doc(
        'The committed cache of generated images, relative to the project root: commit it, so no build pays for the same image twice.',
        'a non-empty path',
      ),
    ),
  outsideRoot: z
    .array(z.string().trim().min(1))
    .default([])
    .meta(
      doc(
        'Folders outside the project root that `cacheDir` and reference images may be in (relative to the root, or absolute), e.g. a cache shared by the sites of a monorepo. Without it, a path that leaves the root, through `..`, an absolute path elsewhere or a symlink, is refused.',
        'a list of folder paths',
      ),
    ),
  derivedCacheDir: z
    .string()
    .trim()
    .min(1)
    .default('node_modules/.cache/headerforge')
    .meta(
      doc(
        'The regenerable cache of resized variants, social cards and placeholders, relative to the project root; safe to delete.',
        'a non-empty path',
      ),
    ),
  original: z
    .enum(['compact', 'as-received'])
    .default('compact')
    .meta(
      doc(
        'How each paid image is kept in `cacheDir`: `compact` re-encodes a PNG the model sent as AVIF quality 90 (about a tenth of the size; the sidecar records the hash and size of the bytes as received; a build keeps images larger than 2K as received), `as-received` keeps the bytes exactly as paid for. `headerforge compact` converts an existing cache, larger images included (as WebP).',
        oneOf(['compact', 'as-received']),
      ),
    ),
  widths: z
    .array(z.int().positive())
    .min(1)
    .transform((widths) => [...new Set(widths)].sort((a, b) => a - b))
    .default(() => [640, 960, 1280, 1600])
    .meta(
      doc(
        'Pixel widths of the responsive variants, deduplicated and sorted; a width wider than the generated image is left out (never upscaled).',
        'a non-empty list of positive integers',
      ),
    ),
  formats: z
    .array(z.enum(OUTPUT_FORMATS))
    .min(1)
    // Canonical order (smallest files first) so `<picture>` sources are listed best first.
    .transform((formats) => OUTPUT_FORMATS.filter((format) => formats.includes(format)))
    .default(() => [...OUTPUT_FORMATS])
    .meta(
      doc(
        `Image formats of the variants; \`<picture>\` lists them in the order ${OUTPUT_FORMATS.join(', ')}.`,
        `a non-empty list of ${OUTPUT_FORMATS.join(', ')}`,
      ),
    ),
  og: ogOptionSchema
    .default(() => ({}))
    .meta(
      doc(
        "The social card (`og:image`) of each header. By default a title card: the post's title over its header (see [Social cards](docs/social-cards.md)), with the site's name from Astro's `site` URL; a post without a title gets the crop. `true`: the header's crop at 1200×630; `false`: none; an object: the title card's look, `{ title, layout, font, logo, siteName, overlay, sizes, lang }`, defaults `title: true`, `layout: 'bottom-left'` (also `top-left`, `center`), `overlay: 0.55` (the gradient scrim's least darkness, raised until the text keeps WCAG AA contrast), `sizes: []` (added to 1200×630, e.g. `['1080x1080']`); `font` (TTF, OTF or WOFF) and `logo` (PNG, JPEG or SVG) are paths inside the site; `lang`, a BCP 47 tag such as `'ja'` or `'zh-TW'`, draws Han characters in that language's forms (Astro's `i18n.defaultLocale` when it is Chinese, Japanese or Korean, and for a post in the folder of one of `i18n.locales`, that locale's; Traditional Chinese needs `@fontsource/noto-sans-tc`, or `-hk` for Hong Kong's, Japanese `@fontsource/noto-sans-jp`; without it a title with kana is Japanese and other Han text takes Simplified Chinese forms). A post overrides it with `header.og` (`false`, `true`, or `{ title: 'A shorter title', layout, overlay, lang }`).",
        'true or false, or { title?, layout?, font?, logo?, siteName?, overlay?, sizes?, lang? }',
        'a title card',
      ),
    ),
  focus: focusSchema
    .default('attention')
    .meta(
      doc(
        "Where the exact-ratio crop keeps its subject: sharp's content-aware `attention` or `entropy`, or a fixed gravity such as `top`.",
        oneOf(FOCUS_VALUES),
      ),
    ),
  mode: z
    .enum(MODES)
    .optional()
    .meta(
      doc(
        'What to do about images not in the cache (see [Modes](#modes)); `HEADERFORGE_MODE` takes precedence when set. Unset: `generate` with an API key, `cache-only` in CI without one, `placeholder` locally without one.',
        oneOf(MODES),
      ),
    ),
  maxNewImages: z
    .int()
    .min(0)
    .optional()
    .meta(
      doc(
        "Generate at most this many new images in one run, counting each of a request's candidates; the posts beyond it fail with `budget_exceeded` (a candidate the post does not show is skipped with a warning instead).",
        'an integer ≥ 0',
      ),
    ),
  maxCostUsd: z
    .number()
    .min(0)
    .optional()
    .meta(
      doc(
        "A hard cap on what one run spends, in US dollars. Before each request its worst-case price is reserved (the Image API's per-image price × `n`; on chat completions the prompt plus `max_tokens` of output at catalogue prices; $0.30 per image when the price is unknown), and no request starts whose reservation would cross the cap. The reservation is then replaced by the cost OpenRouter reports.",
        'a number ≥ 0',
      ),
    ),
  timeoutMs: z
    .int()
    .min(MIN_TIMEOUT_MS)
    .default(DEFAULT_TIMEOUT_MS)
    .meta(
      doc(
        'Milliseconds one attempt at an image request may take, response body included. A timed-out attempt is not retried, since the provider may still finish it and bill for it.',
        `an integer ≥ ${MIN_TIMEOUT_MS}`,
      ),
    ),
  maxRetries: z
    .int()
    .min(0)
    .max(MAX_RETRIES)
    .default(DEFAULT_MAX_RETRIES)
    .meta(
      doc(
        'Retries of an image request after a 429 rate limit, a 502/503/504 or a connection failure before any response byte; never after a timeout (see `timeoutMs`).',
        `an integer from 0 to ${MAX_RETRIES}`,
      ),
    ),
  transport: z
    .enum(TRANSPORT_CHOICES)
    .default('auto')
    .meta(
      doc(
        "Which OpenRouter endpoint makes images (see [Which endpoint](#which-endpoint)): `'images'` (the Image API), `'chat'` (chat completions), or `'auto'`: the Image API for the models it lists, chat completions for the rest. `HEADERFORGE_TRANSPORT` takes precedence when set. Not part of an image's key: switching never re-bills a cached image.",
        oneOf(TRANSPORT_CHOICES),
      ),
    ),
  provider: z
    .strictObject({
      order: z.array(z.string().trim().min(1)).min(1).optional(),
      only: z.array(z.string().trim().min(1)).min(1).optional(),
      allowFallbacks: z.boolean().optional(),
    })
    .optional()
    .meta(
      doc(
        "Pin OpenRouter's provider routing on both endpoints, e.g. `{ order: ['Google Vertex'], allowFallbacks: false }`: another provider draws another picture. The provider that answered is recorded in the image's sidecar. Not part of an image's key.",
        '{ order?: string[], only?: string[], allowFallbacks?: boolean }',
      ),
    ),
  lookupCost: z
    .boolean()
    .default(false)
    .meta(
      doc(
        "When OpenRouter's answer carries no `usage.cost`, ask `GET /generation?id=` for it a few seconds later (the stats appear only then), so the sidecar and the budget get the real figure. Off, such an image is priced from the catalogue and its generation id is kept.",
        'true or false',
      ),
    ),
  baseURL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .meta(
      doc(
        'OpenRouter-compatible API root; `OPENROUTER_BASE_URL` takes precedence when set.',
        'an http(s) URL such as "https://openrouter.ai/api/v1"',
      ),
    ),
  remote: remoteSchema
    .optional()
    .meta(
      doc(
        `A shared cache for teams and CI: \`s3://bucket/prefix?endpoint=…&region=…\` or \`redis://host:port/db\`, or \`{ url, readOnly, timeoutMs }\` (timeout per remote call, default ${DEFAULT_REMOTE_TIMEOUT_MS} ms). \`HEADERFORGE_REMOTE\` and \`HEADERFORGE_REMOTE_READONLY\` take precedence when set; see [Teams and CI](#teams-and-ci).`,
        `an s3:// or redis:// URL, or { url, readOnly?: boolean, timeoutMs?: integer ≥ ${MIN_REMOTE_TIMEOUT_MS} }`,
      ),
    ),
});

/** The options as users write them: everything optional. */
export type HeaderforgeOptions = z.input<typeof headerforgeOptionsSchema>;

/** The options with every default filled in and every path absolute. */
export type ResolvedHeaderforgeOptions = Omit<z.output<typeof headerforgeOptionsSchema>, 'og'> & {
  /** `false`, `true` (the header's crop) or the title cards' settings, files read and hashed. */
  og: boolean | CardSettings;
  /** Absolute project root: globs, paths in jobs and messages are relative to it. */
  root: string;
  /** Absolute path of the committed cache. */
  cacheDir: string;
  /** Absolute path of the derivative cache. */
  derivedCacheDir: string;
};

/** What the host knows of the site besides the options. */
export interface SiteContext extends HostSiteContext {
  /** The project root; relative paths in the options are resolved against it. */
  root: string;
}

const OPTION_NAMES = Object.keys(headerforgeOptionsSchema.shape);

const HINT =
  'Options are the object given to headerforge({ … }) in vite.config.* or astro.config.*; the README lists every option with its default.';

/**
 * Validates user options, fills defaults and makes paths absolute. Every problem is reported
 * at once, so fixing a config takes one round trip.
 */
export function resolveOptions(input: unknown, context: SiteContext): ResolvedHeaderforgeOptions {
  // Without zod's compiled fast path: a build validates its options once or twice, and
  // compiling the parser took longer (1.1 ms of a warm build) than parsing without it.
  const result = headerforgeOptionsSchema.safeParse(input ?? {}, { jitless: true });
  if (!result.success) {
    const problems = describeProblems(result.error.issues, input);
    const message =
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} problems with the headerforge options:\n${problems.map((line) => `  - ${line}`).join('\n')}`;
    throw new HeaderforgeError('invalid_option', message, { hint: HINT });
  }
  const root = path.resolve(context.root);
  const cacheDir = path.resolve(root, result.data.cacheDir);
  // The cache is written and committed: a path that leaves the site is a mistake unless said.
  const outside = outsideRoot(root, cacheDir, result.data.outsideRoot);
  if (outside) {
    throw new HeaderforgeError(
      'invalid_option',
      `Invalid headerforge option "cacheDir": ${describeValue(result.data.cacheDir)} is outside the project root (${root})${outside.through === 'symlink' ? `, through a symlink to ${outside.real}` : ''}`,
      {
        hint: `Keep the cache inside the site, or allow its folder with the \`outsideRoot\` option: outsideRoot: [${JSON.stringify(result.data.cacheDir)}].`,
      },
    );
  }
  return {
    ...result.data,
    root,
    cacheDir,
    derivedCacheDir: path.resolve(root, result.data.derivedCacheDir),
    // With what the host's config tells the cards (`HostSiteContext`).
    og: resolveOgOption(result.data.og as OgOption, {
      ...context,
      root,
      outsideRoot: result.data.outsideRoot,
    }),
  };
}

/**
 * The resolved options with every path `resolveOptions` made absolute taken relative to the
 * root again, and the root left out: what the options say wherever the site sits (the warm
 * index keeps facts that a moved or copied site still finds).
 */
export function siteRelativeOptions(
  options: ResolvedHeaderforgeOptions,
): Omit<ResolvedHeaderforgeOptions, 'root'> {
  const { root, ...rest } = options;
  const inSite = (file: string) => path.relative(root, file);
  let og = options.og;
  if (typeof og === 'object') {
    const { font, logo } = og;
    og = {
      ...og,
      ...(font ? { font: { ...font, file: inSite(font.file) } } : {}),
      ...(logo ? { logo: { ...logo, file: inSite(logo.file) } } : {}),
    };
  }
  return {
    ...rest,
    cacheDir: inSite(options.cacheDir),
    derivedCacheDir: inSite(options.derivedCacheDir),
    og,
  };
}

function describeProblems(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const issue of issues) {
    const [option] = issue.path;
    if (issue.code === 'unrecognized_keys' && option === undefined) {
      for (const key of issue.keys) {
        const suggestion = closestName(key, OPTION_NAMES);
        problems.push(
          `Unknown headerforge option "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        );
      }
      continue;
    }
    if (typeof option !== 'string' || !OPTION_NAMES.includes(option)) {
      problems.push(`Invalid headerforge options: expected an object, got ${describeValue(input)}`);
      continue;
    }
    // One line per option, however many of its checks failed.
    if (reported.has(option)) continue;
    reported.add(option);
    const received = (input as Record<string, unknown>)[option];
    if (option === 'remote') {
      problems.push(remoteProblem(issue, received));
      continue;
    }
    const inOg = option === 'og' ? ogProblem(received) : undefined;
    if (inOg) {
      problems.push(inOg);
      continue;
    }
    problems.push(
      `Invalid headerforge option "${option}": expected ${expectedOf(option)}, got ${describeValue(received)}`,
    );
  }
  return problems;
}

/** The remote URL may hold a password: it is redacted, and the URL's own problem named. */
function remoteProblem(issue: z.core.$ZodIssue, received: unknown): string {
  const url =
    typeof received === 'string'
      ? received
      : typeof received === 'object' && received !== null && 'url' in received
        ? (received as { url: unknown }).url
        : undefined;
  if (issue.code === 'custom' && typeof url === 'string') {
    return `Invalid headerforge option "remote" (${describeValue(redactRemoteUrl(url))}): ${issue.message}`;
  }
  const shown =
    typeof received === 'string'
      ? redactRemoteUrl(received)
      : typeof received === 'object'
        ? 'an object with other fields'
        : received;
  return `Invalid headerforge option "remote": expected ${expectedOf('remote')}, got ${describeValue(shown)}`;
}

function expectedOf(option: string): string {
  const shape: Record<string, z.ZodType> = headerforgeOptionsSchema.shape;
  const expected = shape[option]?.meta()?.expected;
  return typeof expected === 'string' ? expected : 'a valid value';
}
