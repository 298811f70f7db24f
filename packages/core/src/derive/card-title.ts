import type { PostCard } from './card-spec.js';

/**
 * The text a post's title card shows: its own `header.og.title`, else its title, trimmed;
 * undefined when it has none or turns the title off (`og: { title: false }`). The card's
 * plan and its alt text both ask here. Nothing else is imported: a host's light entry uses it.
 */
export function cardTitle(
  post: PostCard | undefined,
  postTitle: string | undefined,
): string | undefined {
  const own = typeof post === 'object' ? post : {};
  if (own.title === false) return undefined;
  return (typeof own.title === 'string' ? own.title : postTitle)?.trim() || undefined;
}
