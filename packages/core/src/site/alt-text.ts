/**
 * Alt text for headers whose post gave none. Derived from the post's own words, never from
 * the site style: "watercolour, muted palette" describes the site, not this picture.
 */

/** Screen readers read alt text in one breath; 125 characters is the common guidance. */
const MAX_ALT_LENGTH = 125;
/**
 * ICU ends a sentence at "St. " or "Dr. " as well; a first "sentence" shorter than this is
 * more likely an abbreviation than a whole description, so the next one is added to it.
 */
const MIN_SENTENCE_LENGTH = 20;

// Made on first use: creating a segmenter loads ICU's break rules (~10 ms), which a dev
// server's start would pay before it answers, and most prompts never need one.
let sentences: Intl.Segmenter | undefined;
let graphemes: Intl.Segmenter | undefined;

/**
 * Alt text from a prompt: its first sentence, or at most 125 characters cut at a word
 * boundary with `…`, starting with a capital letter and without a closing full stop.
 */
export function defaultAlt(prompt: string): string {
  const text = prompt.replace(/\s+/g, ' ').trim();
  const shortened = truncate(firstSentence(text), MAX_ALT_LENGTH);
  return capitalise(shortened.replace(/(?<!\.)[.。]$/u, ''));
}

/** Alt text for an `auto` header, whose prompt is a template rather than a description. */
export function autoAlt(title: string): string {
  return `Header illustration for "${title.replace(/\s+/g, ' ').trim()}"`;
}

// Segmenting is the slow part of a scan's alt texts; most prompts have nothing to segment.
const SENTENCE_TERMINAL = /\p{Sentence_Terminal}/u;

function firstSentence(text: string): string {
  if (!SENTENCE_TERMINAL.test(text)) return text;
  let sentence = '';
  sentences ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  for (const { segment } of sentences.segment(text)) {
    sentence += segment;
    if (sentence.trim().length >= MIN_SENTENCE_LENGTH) break;
  }
  return sentence.trim();
}

function truncate(text: string, max: number): string {
  // A string never has more characters than UTF-16 units: short ones need no segmenting.
  if (text.length <= max) return text;
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  const clusters = Array.from(graphemes.segment(text), (part) => part.segment);
  if (clusters.length <= max) return text;
  const kept = clusters.slice(0, max - 1).join('');
  const lastSpace = kept.lastIndexOf(' ');
  // Scripts written without spaces (Chinese, Japanese, Thai) have no word boundary to find.
  const cut = lastSpace > kept.length / 2 ? kept.slice(0, lastSpace) : kept;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

function capitalise(text: string): string {
  const first = text.codePointAt(0);
  if (first === undefined) return text;
  const head = String.fromCodePoint(first);
  return head.toUpperCase() + text.slice(head.length);
}
