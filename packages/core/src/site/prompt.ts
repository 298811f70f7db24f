/**
 * The prompt text sent to the model. Everything here feeds the generation key, so it must be
 * deterministic: the same post and options always give the same string, byte for byte.
 */

/** The `auto` template used when `auto: true`. */
export const DEFAULT_AUTO_TEMPLATE =
  'Blog header illustration for an article titled "{title}". {description}';

/**
 * The final prompt: the site-wide style first, then the post's own prompt after a blank line.
 * Style first because it frames everything after it (medium, palette, mood); the blank line
 * keeps the two apart for models that read paragraphs, and for people reading sidecars.
 */
export function applyStyle(style: string | undefined, prompt: string): string {
  return style ? `${style}\n\n${prompt}` : prompt;
}

export interface AutoPromptPost {
  title?: string | undefined;
  description?: string | undefined;
}

/**
 * The prompt `auto` builds for a post without a header field: `{title}` and `{description}`
 * in the template replaced by the post's values. Undefined when the post has no title,
 * because a description alone rarely describes a picture.
 */
export function autoPrompt(template: string, post: AutoPromptPost): string | undefined {
  const title = singleLine(post.title ?? '');
  if (title === '') return undefined;
  const values: Record<string, string> = { title, description: singleLine(post.description ?? '') };
  // One pass, so a title that itself contains "{description}" is not substituted again.
  const filled = template.replace(
    /\{(title|description)\}/g,
    (_, name: string) => values[name] ?? '',
  );
  // An empty description leaves doubled or trailing spaces behind; tidy them so a post that
  // gains a description later is the only thing that changes the prompt.
  return filled
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .trim();
}

// Frontmatter titles may be folded YAML with line breaks; a prompt gains nothing from them.
function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
