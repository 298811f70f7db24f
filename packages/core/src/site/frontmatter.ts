import { isMap, isNode, isScalar, LineCounter, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { CARD_LAYOUTS } from '../derive/cards/card-layout.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { cardLanguageSchema, LANGUAGE_EXPECTED } from './card-language.js';
import { closestName } from './closest-name.js';
import { describeValue } from './describe-value.js';
import {
  aspectRatioSchema,
  CANDIDATES_EXPECTED,
  candidatesSchema,
  focusSchema,
  imageSizeSchema,
  MAX_CANDIDATES,
  MAX_REFERENCES,
  oneOf,
} from './options.js';

/**
 * Longer than any image prompt people write: most likely a pasted file. Every request would
 * carry it, and bill for it.
 */
export const MAX_PROMPT_LENGTH = 32_000;
/**
 * C0 and C1 control characters other than tab, newline and carriage return: invisible in an
 * editor, and a model, a terminal or a log may take them for something else.
 */
const CONTROL_CHARACTER = /(?![\t\n\r])\p{Cc}/u;

/** What is wrong with a prompt as written, if anything (after trimming). */
function promptProblem(prompt: string): string | undefined {
  const text = prompt.trim();
  if (text.length === 0) return 'is an empty prompt; write what the image should show';
  if (text.length > MAX_PROMPT_LENGTH) {
    return `is a prompt of ${text.length.toLocaleString('en')} characters, more than the ${MAX_PROMPT_LENGTH.toLocaleString('en')} a prompt may have (every request carries it); shorten it`;
  }
  const control = controlCharacterIn(text);
  if (control) return `contains a control character (${control}); remove it`;
  return undefined;
}

/** The first control character in `text` that a header's text may not hold (`U+0007`), if any. */
export function controlCharacterIn(text: string): string | undefined {
  const control = CONTROL_CHARACTER.exec(text);
  return control ? codePoint(control[0]) : undefined;
}

const codePoint = (character: string) =>
  `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

const promptSchema = z
  .string()
  .refine((prompt) => promptProblem(prompt) === undefined)
  .transform((prompt) => prompt.trim());
/** A string without control characters (`CONTROL_CHARACTER`). */
const plainText = () =>
  z
    .string()
    .trim()
    .refine((text) => !CONTROL_CHARACTER.test(text));

/** `header.og`: `false`, `true`, or `{ title, layout, overlay, lang }` for this post's card. */
const postOgSchema = z.union([
  z.boolean(),
  z.strictObject({
    title: z.union([z.boolean(), plainText().min(1).max(300)]).optional(),
    layout: z.enum(CARD_LAYOUTS).optional(),
    overlay: z.number().min(0).max(1).optional(),
    lang: cardLanguageSchema.optional(),
  }),
]);
const POST_OG_EXPECTED = `true, false or { title?: a string or false, layout?: ${CARD_LAYOUTS.join(' | ')}, overlay?: a number from 0 to 1, lang?: ${LANGUAGE_EXPECTED} }`;

/** The object form of a post's header field; `expected` feeds the error messages. */
const headerObjectSchema = z.strictObject({
  /** What the image shows. Kept verbatim, surrounding whitespace aside. */
  prompt: promptSchema.meta({ expected: 'a non-empty string describing the image' }),
  /** Alt text; derived from the prompt when absent, `""` marks the image as decorative. */
  alt: plainText().optional().meta({ expected: 'a string without control characters' }),
  /** Model for this post instead of the site's. */
  model: plainText()
    .min(1)
    .optional()
    .meta({ expected: 'an OpenRouter model id such as "google/gemini-3-pro-image-preview"' }),
  /** Image size (`image_size`) for this post. */
  size: imageSizeSchema.optional().meta({ expected: oneOf(imageSizeSchema.options) }),
  aspectRatio: aspectRatioSchema.optional().meta({ expected: oneOf(aspectRatioSchema.options) }),
  /** A different seed asks for a new image for the same prompt. */
  seed: z.int().min(0).optional().meta({ expected: 'an integer ≥ 0' }),
  focus: focusSchema.optional().meta({ expected: oneOf(focusSchema.options) }),
  /** Reference images for this post, after the site's; `false`: none, not even the site's. */
  references: z
    .union([z.literal(false), z.array(z.string().trim().min(1)).min(1).max(MAX_REFERENCES)])
    .optional()
    .meta({
      expected: `false or a list of 1 to ${MAX_REFERENCES} image paths relative to the site root`,
    }),
  /** How many images of this prompt to have, to choose from. */
  candidates: candidatesSchema.optional().meta({ expected: CANDIDATES_EXPECTED }),
  /** Which candidate the post shows, from 1. */
  pick: z
    .int()
    .min(1)
    .max(MAX_CANDIDATES)
    .optional()
    .meta({ expected: `an integer from 1 to ${MAX_CANDIDATES}, at most "candidates"` }),
  /** This post's social card: none, the crop, or a title card with its own title or look. */
  og: postOgSchema.optional().meta({ expected: POST_OG_EXPECTED }),
});

/** A header field: the shorthand prompt string or the object form. */
const headerFieldSchema = z.union([
  promptSchema.transform((prompt) => ({ prompt })),
  headerObjectSchema,
]);

export type HeaderField = z.output<typeof headerObjectSchema>;

export interface ParsedFrontmatter {
  /** The whole frontmatter as plain data; `{}` when the file has none. */
  data: Record<string, unknown>;
  header?: HeaderField;
  /** 1-based line of the header field in the file, when there is a header. */
  headerLine?: number;
  /** The field is `false`: this post wants no header, even with `auto`. */
  headerDisabled?: boolean;
}

export interface ParseFrontmatterOptions {
  /** The file as messages show it, relative to the project root. */
  file: string;
  /** Name of the header field. */
  field: string;
}

// Opening fence at the very start, after an optional byte order mark.
const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
// Lines of the block are counted from 1 in the YAML; the opening fence is line 1 of the file.
const OPENING_LINES = 1;
const HEADER_KEYS = Object.keys(headerObjectSchema.shape);

const YAML_HINT = 'Fix the YAML between the two --- lines at the top of the file.';

/**
 * Reads the leading `---` block of a Markdown or MDX file and validates its header field.
 * Throws `invalid_frontmatter` naming `file:line` of every problem in the field.
 */
export function parseFrontmatter(
  source: string,
  options: ParseFrontmatterOptions,
): ParsedFrontmatter {
  const block = frontmatterBlock(source);
  if (block === undefined) return { data: {} };
  return parseWithYaml(block, options);
}

/** The frontmatter's meaning once its data is known; undefined when the header is invalid. */
function interpret(
  data: Record<string, unknown>,
  field: string,
  headerLine: number,
): ParsedFrontmatter | undefined {
  const value = data[field];
  if (value === undefined || value === null) return { data };
  if (value === false) return { data, headerLine, headerDisabled: true };
  const parsed = headerFieldSchema.safeParse(value);
  return parsed.success ? { data, header: parsed.data, headerLine } : undefined;
}

function parseWithYaml(block: string, options: ParseFrontmatterOptions): ParsedFrontmatter {
  const lineCounter = new LineCounter();
  const doc = parseDocument(block, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line + OPENING_LINES;
  const fail = (offset: number, problem: string, hint: string) =>
    new HeaderforgeError('invalid_frontmatter', `${options.file}:${lineAt(offset)}: ${problem}`, {
      hint,
    });

  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    // The parser's message without its position; ours is relative to the file, not the block.
    const reason = syntaxError.message.split('\n')[0];
    throw fail(syntaxError.pos[0], `invalid YAML in the frontmatter: ${reason}`, YAML_HINT);
  }
  if (doc.contents === null) return { data: {} };
  if (!isMap(doc.contents)) {
    throw fail(
      doc.contents.range?.[0] ?? 0,
      `the frontmatter must be a YAML mapping of keys to values, got ${describeValue(doc.toJS())}`,
      YAML_HINT,
    );
  }

  let data: Record<string, unknown>;
  try {
    data = doc.toJS() as Record<string, unknown>;
  } catch (error) {
    // Only alias bombs get here: the parser already accepted the syntax.
    throw fail(0, `the frontmatter cannot be read: ${(error as Error).message}`, YAML_HINT);
  }

  const pair = findPair(doc.contents, options.field);
  const headerLine = lineAt(nodeStart(pair?.key) ?? 0);
  const parsed = interpret(data, options.field, headerLine);
  if (parsed !== undefined) return parsed;

  const problems = headerProblems(data[options.field], pair, options.field).sort(
    (a, b) => a.offset - b.offset,
  );
  const message = problems
    .map((problem) => `${options.file}:${lineAt(problem.offset)}: ${problem.text}`)
    .join('\n');
  throw new HeaderforgeError('invalid_frontmatter', message, { hint: headerHint(options.field) });
}

/** The YAML between the fences, or undefined when the file does not start with one. */
function frontmatterBlock(source: string): string | undefined {
  const opening = OPENING.exec(source);
  if (opening === null) return undefined;
  const closing = /^---[ \t]*\r?$/gm;
  closing.lastIndex = opening[0].length;
  const match = closing.exec(source);
  // An unclosed fence is Markdown's horizontal rule to Astro and Vite, not frontmatter.
  if (match === null) return undefined;
  return source.slice(opening[0].length, match.index);
}

interface Problem {
  /** Offset in the frontmatter block of the node the problem is about. */
  offset: number;
  text: string;
}

function headerProblems(value: unknown, pair: Pair | undefined, field: string): Problem[] {
  const at = nodeStart(pair?.value) ?? nodeStart(pair?.key) ?? 0;
  if (typeof value === 'string') {
    return [{ offset: at, text: `"${field}" ${promptProblem(value) ?? 'is not a prompt'}` }];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [
      {
        offset: at,
        text: `"${field}" must be a prompt string or an object with a "prompt"; got ${describeValue(value)}`,
      },
    ];
  }
  const map = isMap(pair?.value) ? pair.value : undefined;
  const object = value as Record<string, unknown>;
  const result = headerObjectSchema.safeParse(object);
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closestName(key, HEADER_KEYS);
        problems.push({
          offset: nodeStart(findPair(map, key)?.key) ?? at,
          text: `"${field}.${key}" is not a header key; expected one of ${HEADER_KEYS.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        });
      }
      continue;
    }
    const key = String(issue.path[0]);
    if (reported.has(key)) continue;
    reported.add(key);
    const keyPair = findPair(map, key);
    const expected = expectedOf(key);
    const prompt = object[key];
    // Too long, or a control character: said as such (an empty one is "must be" below).
    if (key === 'prompt' && typeof prompt === 'string' && prompt.trim().length > 0) {
      problems.push({
        offset: nodeStart(keyPair?.value) ?? nodeStart(keyPair?.key) ?? at,
        text: `"${field}.prompt" ${promptProblem(prompt) ?? 'is not a prompt'}`,
      });
      continue;
    }
    problems.push(
      object[key] === undefined
        ? { offset: at, text: `"${field}" needs a "${key}": ${expected}` }
        : {
            offset: nodeStart(keyPair?.value) ?? nodeStart(keyPair?.key) ?? at,
            text: `"${field}.${key}" must be ${expected}; got ${describeValue(object[key])}`,
          },
    );
  }
  return problems;
}

function expectedOf(key: string): string {
  const shape: Record<string, z.ZodType> = headerObjectSchema.shape;
  const expected = shape[key]?.meta()?.expected;
  return typeof expected === 'string' ? expected : 'a valid value';
}

function headerHint(field: string): string {
  return `Write ${field} as a prompt string (${field}: "A lighthouse at dusk, watercolour") or as an object with a prompt (${field}: { prompt: "A lighthouse at dusk", size: 2K }); optional keys: ${HEADER_KEYS.filter((key) => key !== 'prompt').join(', ')}.`;
}

function findPair(map: YAMLMap | undefined, key: string): Pair | undefined {
  return map?.items.find((item) =>
    isScalar(item.key) ? String(item.key.value) === key : item.key === key,
  );
}

function nodeStart(node: unknown): number | undefined {
  return isNode(node) ? (node.range?.[0] ?? undefined) : undefined;
}
