import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, type Node, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { parseFrontmatter } from './frontmatter.js';

export type HeaderValues = Record<string, number | string>;

interface Edit {
  start: number;
  end: number;
  text: string;
}

// The same fences `parseFrontmatter` reads, so the block edited is the block parsed.
const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSING = /^---[ \t]*\r?$/gm;

/**
 * The file with only `values` set in the post's header (replaced in place, or added after
 * its last key), every other byte as it was: comments, quoting, key order, indentation,
 * blank lines, line endings, a BOM and the body. A shorthand header (`header: "…"`) becomes
 * a block map whose `prompt` is the shorthand's own text. Text is spliced at the offsets
 * the YAML parser reports, never re-serialised; the result is parsed again and must hold
 * the same data with only `values` changed.
 */
export function setHeaderKeys(
  source: string,
  field: string,
  values: HeaderValues,
  options: { file: string },
): string {
  const { file } = options;
  const before = parseFrontmatter(source, { file, field });
  const keys = Object.keys(values).join(', ');
  if (before.headerDisabled) {
    throw new HeaderforgeError(
      'invalid_option',
      `${file}: "${field}" is false (no header image), so there is no ${keys} to set`,
      { hint: `Give it a prompt instead of false first, e.g. ${field}: "A lighthouse at dusk".` },
    );
  }
  if (before.header === undefined) {
    throw new HeaderforgeError(
      'invalid_option',
      `${file}: no "${field}" in its frontmatter to set ${keys} in`,
      {
        hint: `Give the post a prompt first, e.g. ${field}: "A lighthouse at dusk" (an image \`auto\` makes from the title has nowhere to record it).`,
      },
    );
  }
  const header = headerNode(source, field);
  const edited =
    isScalar(header.node) && typeof header.node.value === 'string'
      ? setKeys(shorthandAsMap(header, file, keys), field, values, file)
      : setKeys(source, field, values, file);

  const old = before.data[field];
  const expected = {
    ...before.data,
    [field]: { ...(typeof old === 'string' ? { prompt: old } : (old as object)), ...values },
  };
  if (!isDeepStrictEqual(reparsed(edited, field, file), expected))
    throw cannotEdit(file, field, keys);
  return edited;
}

/** The edited file's data, or undefined when the edit broke it (the error would name the new text). */
function reparsed(source: string, field: string, file: string): unknown {
  try {
    return parseFrontmatter(source, { file, field }).data;
  } catch {
    return undefined;
  }
}

interface HeaderNode {
  field: string;
  source: string;
  /** Where the frontmatter's YAML starts in the file: node ranges are relative to it. */
  offset: number;
  block: string;
  pair: Pair<Node, Node>;
  node: Node;
}

/** The header field's pair and value, with offsets into the file. */
function headerNode(source: string, field: string): HeaderNode {
  const opening = OPENING.exec(source) as RegExpExecArray;
  const offset = opening[0].length;
  CLOSING.lastIndex = offset;
  const closing = CLOSING.exec(source) as RegExpExecArray;
  const block = source.slice(offset, closing.index);
  // `parseFrontmatter` accepted this block, so it is a map with the field set.
  const doc = parseDocument(block);
  const pair = (doc.contents as YAMLMap<Node, Node>).items.find(
    (item) => isScalar(item.key) && String(item.key.value) === field,
  ) as Pair<Node, Node>;
  return { field, source, offset, block, pair, node: pair.value as Node };
}

function setKeys(source: string, field: string, values: HeaderValues, file: string): string {
  const { offset, block, node } = headerNode(source, field);
  // An alias, say: its anchor may be shared, so setting a key there could change another.
  if (!isMap(node)) throw cannotEdit(file, field, Object.keys(values).join(', '));
  const map = node as YAMLMap<Node, Node>;
  const edits: Edit[] = [];
  const missing: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(values)) {
    const text = yamlValue(value);
    const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    const range = pair?.value?.range;
    if (range) edits.push({ start: range[0], end: valueEnd(block, range[1]), text });
    else missing.push([key, text]);
  }
  if (missing.length > 0)
    edits.push(map.flow ? flowAddition(map, missing) : blockAddition(block, map, missing));
  let edited = block;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    edited = edited.slice(0, edit.start) + edit.text + edited.slice(edit.end);
  return source.slice(0, offset) + edited + source.slice(offset + block.length);
}

/** `, key: value` after the last entry of `{ … }`, before any spaces and the brace. */
function flowAddition(map: YAMLMap<Node, Node>, missing: Array<[string, string]>): Edit {
  const at = entryEnd(map.items.at(-1) as Pair<Node, Node>);
  const text = missing.map(([key, value]) => `, ${key}: ${value}`).join('');
  return { start: at, end: at, text };
}

/** New lines after the line the map's last entry ends on, at the map's own indentation. */
function blockAddition(
  block: string,
  map: YAMLMap<Node, Node>,
  missing: Array<[string, string]>,
): Edit {
  const eol = block.includes('\r\n') ? '\r\n' : '\n';
  const firstKey = (map.items[0] as Pair<Node, Node>).key.range?.[0] ?? 0;
  const indent = ' '.repeat(firstKey - (block.lastIndexOf('\n', firstKey - 1) + 1));
  const lines = missing.map(([key, value]) => `${indent}${key}: ${value}`);
  const end = entryEnd(map.items.at(-1) as Pair<Node, Node>);
  // A block scalar's range ends after its own line break: the new lines start right there.
  if (block[end - 1] === '\n') return { start: end, end, text: lines.map((l) => l + eol).join('') };
  // Otherwise after the rest of that line (a comment stays where it was).
  const newline = block.indexOf('\n', end);
  const at = newline === -1 ? block.length : block[newline - 1] === '\r' ? newline - 1 : newline;
  return { start: at, end: at, text: lines.map((l) => eol + l).join('') };
}

/**
 * `field: "A prompt"` as `field:⏎  prompt: "A prompt"`: the scalar's own source text,
 * its continuation lines (if any) moved in as far as the new map's indentation, which
 * keeps their meaning.
 */
function shorthandAsMap(header: HeaderNode, file: string, keys: string): string {
  const { field, source, offset, block, pair, node } = header;
  const [keyStart, keyEnd] = pair.key.range as [number, number, number];
  const colon = block.indexOf(':', keyEnd);
  const [start, end] = node.range as [number, number, number];
  // Anything but whitespace between the colon and the prompt (a tag, an anchor, a comment)
  // has no obvious new place: leave such a file to a person.
  if (colon === -1 || block.slice(keyEnd, colon).trim() || block.slice(colon + 1, start).trim())
    throw cannotEdit(file, field, keys);
  const eol = block.includes('\r\n') ? '\r\n' : '\n';
  const step = '  ';
  const indent = ' '.repeat(keyStart - (block.lastIndexOf('\n', keyStart - 1) + 1)) + step;
  const [first, ...rest] = block.slice(start, end).split('\n');
  const prompt = [first, ...rest.map((line) => (line.trim() ? step + line : line))].join('\n');
  const edited = `${block.slice(0, colon + 1)}${eol}${indent}prompt: ${prompt}${block.slice(end)}`;
  return source.slice(0, offset) + edited + source.slice(offset + block.length);
}

/** Where an entry's text ends: its value's, or its key's when it has no value. */
function entryEnd(pair: Pair<Node, Node>): number {
  return (pair.value?.range ?? pair.key.range)?.[1] ?? 0;
}

/** A value's end without the line break a block scalar's range ends with. */
function valueEnd(block: string, end: number): number {
  let at = end;
  while (at > 0 && (block[at - 1] === '\n' || block[at - 1] === '\r')) at--;
  return at;
}

/** Numbers as written; strings double-quoted, which YAML reads whatever they contain. */
function yamlValue(value: number | string): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function cannotEdit(file: string, field: string, keys: string): HeaderforgeError {
  return new HeaderforgeError(
    'invalid_frontmatter',
    `${file}: cannot set ${keys} in "${field}" without rewriting more of its frontmatter`,
    { hint: `Set ${keys} in the post's "${field}" by hand.` },
  );
}
