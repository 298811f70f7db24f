import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../cache/keys.js';
import {
  CARD_FILE_HINTS,
  type CardSettings,
  type CardSize,
  DEFAULT_OVERLAY,
  type LocaleFolder,
  OG_SIZE,
} from '../derive/card-spec.js';
import { fontKind } from '../derive/cards/card-fonts.js';
import { CARD_LAYOUTS } from '../derive/cards/card-layout.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { sniffImageType } from '../image/media-types.js';
import {
  cardLanguageSchema,
  type HostI18n,
  LANGUAGE_EXPECTED,
  localeFoldersOf,
  siteLanguageOf,
} from './card-language.js';
import { describeValue } from './describe-value.js';
import { outsideRoot } from './inside-root.js';

const MIN_SIDE = 200;
const MAX_SIDE = 4096;
/** Past this a font or logo is a mistake (a whole font collection, a photograph). */
const MAX_FILE_BYTES = 20 * 2 ** 20;

/** `"1080x1080"`: a card size as a site writes it. */
const sizeSchema = z
  .string()
  .regex(/^\d+x\d+$/)
  .transform((text): CardSize => {
    const [width, height] = text.split('x').map(Number) as [number, number];
    return { width, height };
  })
  .refine(({ width, height }) =>
    [width, height].every((side) => side >= MIN_SIDE && side <= MAX_SIDE),
  );

/** What each field of `og` accepts, for the error naming it. */
export const OG_FIELDS_EXPECTED: Record<string, string> = {
  title: 'true or false',
  layout: `one of ${CARD_LAYOUTS.join(', ')}`,
  font: 'a path to a TTF, OTF or WOFF file inside the site',
  logo: 'a path to a PNG, JPEG or SVG image inside the site',
  siteName: 'a non-empty string',
  overlay: 'a number from 0 to 1',
  sizes: `a list of sizes such as "1080x1080" (each side ${MIN_SIDE}–${MAX_SIDE})`,
  lang: LANGUAGE_EXPECTED,
};

const ogObjectSchema = z.strictObject({
  title: z.boolean().optional(),
  layout: z.enum(CARD_LAYOUTS).optional(),
  font: z.string().trim().min(1).optional(),
  logo: z.string().trim().min(1).optional(),
  siteName: z.string().trim().min(1).max(200).optional(),
  overlay: z.number().min(0).max(1).optional(),
  sizes: z.array(sizeSchema).max(8).optional(),
  lang: cardLanguageSchema.optional(),
});

/** The `og` option: `true` (the crop of the header), `false` (no card), or a title card's look. */
export const ogOptionSchema = z.union([z.boolean(), ogObjectSchema]);

export type OgOption = z.output<typeof ogOptionSchema>;

/**
 * The problem of an `og` object, naming its field (`og.layout`): the union's own error
 * would only say that the whole value is neither a boolean nor a valid object.
 */
export function ogProblem(received: unknown): string | undefined {
  if (typeof received !== 'object' || received === null || Array.isArray(received))
    return undefined;
  const parsed = ogObjectSchema.safeParse(received);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  if (!issue) return undefined;
  const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path[0];
  if (typeof field !== 'string') return undefined;
  if (!(field in OG_FIELDS_EXPECTED)) {
    return `Unknown field "og.${field}" in the headerforge options (known: ${Object.keys(OG_FIELDS_EXPECTED).join(', ')})`;
  }
  const value = (received as Record<string, unknown>)[field];
  return `Invalid headerforge option "og.${field}": expected ${OG_FIELDS_EXPECTED[field]}, got ${describeValue(value)}`;
}

/**
 * The cards a site makes: `false`, `true` (today's crop) or the title cards' settings, with
 * the font and logo read once here (a missing or wrong file fails the config, naming the
 * option) and their paths kept inside the site like references.
 */
export function resolveOgOption(
  og: OgOption,
  context: HostSiteContext & { root: string; outsideRoot: readonly string[] },
): boolean | CardSettings {
  if (typeof og === 'boolean') return og;
  if (og.title === false) return true;
  const siteName = og.siteName ?? context.siteName;
  const lang = og.lang ?? context.lang;
  const sizes = [OG_SIZE];
  for (const size of og.sizes ?? []) {
    if (!sizes.some((known) => known.width === size.width && known.height === size.height))
      sizes.push(size);
  }
  return {
    layout: og.layout ?? 'bottom-left',
    overlay: og.overlay ?? DEFAULT_OVERLAY,
    ...(siteName === undefined ? {} : { siteName }),
    ...(og.font === undefined ? {} : { font: siteFile('og.font', og.font, context, checkFont) }),
    ...(og.logo === undefined ? {} : { logo: siteFile('og.logo', og.logo, context, checkLogo) }),
    sizes,
    ...(lang === undefined ? {} : { lang }),
    // A language the options give is every card's: the host's locale folders only stand in
    // for one they do not give.
    ...(og.lang === undefined && context.locales ? { locales: context.locales } : {}),
  };
}

/** What a host's own config tells the title cards (see `hostSiteContext`). */
export interface HostSiteContext {
  /**
   * The site's name from the host's own config (Astro's `site` URL, see `siteNameOf`): the
   * title cards' default `og.siteName`.
   */
  siteName?: string | undefined;
  /**
   * The site's language from the host's own config (Astro's `i18n.defaultLocale`, see
   * `siteLanguageOf`): the title cards' default `og.lang`.
   */
  lang?: string | undefined;
  /**
   * The host's locale folders whose language decides Han forms (Astro's `i18n.locales`, see
   * `localeFoldersOf`): a post in one has its language on its cards, unless `og.lang` is given.
   */
  locales?: readonly LocaleFolder[] | undefined;
}

/**
 * What a host's config tells the title cards about the site (Astro's `site` and `i18n`):
 * their default site name and language. The integration and the `headerforge` command read
 * the same config through this one function, so they never draw different cards.
 */
export function hostSiteContext(config: { site?: unknown; i18n?: unknown }): HostSiteContext {
  const i18n = config.i18n as HostI18n | undefined;
  return {
    siteName: siteNameOf(config.site as string | URL | undefined),
    lang: siteLanguageOf(i18n),
    locales: localeFoldersOf(i18n),
  };
}

/**
 * The site's name as a card shows it, from the URL a host's config gives the site (Astro's
 * `site`): its host name without `www.`, or undefined when there is no valid URL.
 */
export function siteNameOf(site: string | URL | undefined): string | undefined {
  if (site === undefined) return undefined;
  const url = URL.parse(String(site));
  const host = url?.hostname.replace(/^www\./, '');
  return host && host !== 'localhost' ? host : undefined;
}

function siteFile<T extends object>(
  option: string,
  value: string,
  context: { root: string; outsideRoot: readonly string[] },
  check: (bytes: Buffer, shown: string) => T,
): T & { file: string; sha256: string } {
  const shown = describeValue(value);
  const outside = outsideRoot(context.root, value, context.outsideRoot);
  if (outside) {
    throw new HeaderforgeError(
      'invalid_option',
      `Invalid headerforge option "${option}": ${shown} is outside the project root (${context.root})${outside.through === 'symlink' ? `, through a symlink to ${outside.real}` : ''}.`,
      {
        hint: `Keep the file inside the site, or allow its folder with the \`outsideRoot\` option.`,
      },
    );
  }
  const file = path.resolve(context.root, value);
  const size = statSync(file, { throwIfNoEntry: false });
  if (!size?.isFile()) {
    throw new HeaderforgeError(
      'invalid_option',
      `Invalid headerforge option "${option}": ${shown} is not a file (looked for ${file}).`,
      {
        hint: `Give the path of ${OG_FIELDS_EXPECTED[option.slice(3)]}, relative to the project root.`,
      },
    );
  }
  if (size.size > MAX_FILE_BYTES) {
    throw new HeaderforgeError(
      'invalid_option',
      `Invalid headerforge option "${option}": ${shown} has ${size.size} bytes, more than ${MAX_FILE_BYTES / 2 ** 20} MiB.`,
      {
        hint: 'Give a smaller file.',
      },
    );
  }
  const bytes = readFileSync(file);
  return {
    ...check(bytes, `Invalid headerforge option "${option}": ${shown}`),
    file,
    sha256: sha256Hex(bytes),
  };
}

function checkFont(bytes: Buffer, problem: string): object {
  const kind = fontKind(bytes);
  if (kind === 'ttf' || kind === 'otf' || kind === 'woff') return {};
  throw new HeaderforgeError(
    'invalid_option',
    `${problem} is ${kind === 'woff2' ? 'a WOFF2 font, which the card renderer cannot read' : 'not a font file'}.`,
    { hint: CARD_FILE_HINTS['og.font'] },
  );
}

function checkLogo(bytes: Buffer, problem: string): { mediaType: string } {
  const sniffed = sniffImageType(bytes);
  if (sniffed === 'image/png' || sniffed === 'image/jpeg') return { mediaType: sniffed };
  const head = bytes.subarray(0, 1024).toString('utf8');
  if (/<svg[\s>]/i.test(head) && !/<script/i.test(bytes.toString('utf8')))
    return { mediaType: 'image/svg+xml' };
  throw new HeaderforgeError('invalid_option', `${problem} is not an image the card can draw.`, {
    hint: CARD_FILE_HINTS['og.logo'],
  });
}
