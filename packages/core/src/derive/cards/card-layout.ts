/** Where the title sits; the scrim follows it. */
export const CARD_LAYOUTS = ['bottom-left', 'top-left', 'center'] as const;
export type CardLayout = (typeof CARD_LAYOUTS)[number];

/** A satori element: the React-like tree it lays out, written without JSX. */
export interface CardNode {
  type: string;
  props: {
    style?: Record<string, unknown>;
    children?: Array<CardNode | string> | string;
    [key: string]: unknown;
  };
}

export interface CardText {
  width: number;
  height: number;
  title: string;
  siteName?: string | undefined;
  /** A `data:` URL of the logo, drawn before the site's name. */
  logo?: string | undefined;
  layout: CardLayout;
  placeholder: boolean;
  fontSize: number;
  /** Set when even the smallest size does not fit: the title is cut with an ellipsis. */
  maxLines?: number | undefined;
}

/**
 * The text with the spaces beside emoji made four-per-em spaces (as wide as a space, a
 * line-break opportunity too): satori measures a space next to an emoji in the emoji
 * face, whose space is five times as wide as Noto Sans's, leaving a hole in the line.
 */
export function spacedEmoji(text: string): string {
  return text
    .replace(/(\p{Extended_Pictographic}\uFE0F?) /gu, '$1\u2005')
    .replace(/ (?=\p{Extended_Pictographic})/gu, '\u2005');
}

/** The ids satori reports the title's and the site line's boxes under (see `onNodeDetected`). */
export const TITLE_ID = 'title';
export const SITE_ID = 'site';

/** The user's font first; every other glyph comes from satori's fallback across the faces given. */
const FAMILY = 'User font';

/** Right-to-left when the first letter with a direction is Hebrew, Arabic and the like. */
export function directionOf(text: string): 'ltr' | 'rtl' {
  const strong =
    /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]|\p{L}/u.exec(
      text,
    );
  return strong &&
    /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u.test(
      strong[0],
    )
    ? 'rtl'
    : 'ltr';
}

/** The card's margin: 6% of its shorter side, so a square card keeps the same feel. */
export const marginOf = (width: number, height: number) =>
  Math.round(Math.min(width, height) * 0.09);

/** The site line's type size, from the card's shorter side (28 px on a 1200×630 card). */
export const siteSizeOf = (width: number, height: number) =>
  Math.round(Math.min(width, height) * 0.044);

/**
 * The text layer of a card, on a transparent background: the title (wrapped by satori's
 * layout engine at the card's width less its margins), the site's name with its logo, and
 * a marked badge on placeholder art. The scrim and the picture are not part of it.
 */
export function cardTree(text: CardText): CardNode {
  const { width, height, layout, fontSize } = text;
  const margin = marginOf(width, height);
  const siteSize = siteSizeOf(width, height);
  const site: CardNode[] = [];
  if (text.logo) {
    site.push({
      type: 'img',
      props: {
        src: text.logo,
        width: siteSize * 1.6,
        height: siteSize * 1.6,
        style: { objectFit: 'contain', marginRight: siteSize * 0.5 },
      },
    });
  }
  if (text.siteName) site.push({ type: 'div', props: { children: spacedEmoji(text.siteName) } });
  const title: CardNode = {
    type: 'div',
    props: {
      id: TITLE_ID,
      style: {
        display: 'block',
        flexShrink: 0,
        width: width - 2 * margin,
        fontSize,
        lineHeight: 1.2,
        fontWeight: 700,
        ...(text.maxLines
          ? { lineClamp: text.maxLines, overflow: 'hidden', textOverflow: 'ellipsis' }
          : {}),
        direction: directionOf(text.title),
        textAlign: layout === 'center' ? 'center' : 'start',
      },
      children: spacedEmoji(text.title),
    },
  };
  const siteRow: CardNode = {
    type: 'div',
    props: {
      id: SITE_ID,
      style: {
        display: 'flex',
        alignItems: 'center',
        flexShrink: 0,
        fontSize: siteSize,
        fontWeight: 700,
        opacity: 0.92,
        [layout === 'top-left' ? 'marginTop' : 'marginBottom']: Math.round(siteSize * 0.7),
      },
      children: site,
    },
  };
  const column = layout === 'top-left' ? [title, siteRow] : [siteRow, title];
  const children: CardNode[] = site.length > 0 ? column : [title];
  if (text.placeholder) children.push(placeholderBadge(width, height, margin));
  return {
    type: 'div',
    props: {
      style: {
        display: 'flex',
        flexDirection: 'column',
        justifyContent:
          layout === 'bottom-left' ? 'flex-end' : layout === 'top-left' ? 'flex-start' : 'center',
        alignItems: layout === 'center' ? 'center' : 'flex-start',
        boxSizing: 'border-box',
        width,
        height,
        padding: margin,
        color: '#ffffff',
        fontFamily: FAMILY,
      },
      children,
    },
  };
}

/** The mark every card made over offline art carries, as the placeholder header does. */
function placeholderBadge(width: number, height: number, margin: number): CardNode {
  const size = Math.round(Math.min(width, height) * 0.035);
  return {
    type: 'div',
    props: {
      style: {
        position: 'absolute',
        top: Math.round(margin / 2),
        right: Math.round(margin / 2),
        display: 'flex',
        padding: `${Math.round(size * 0.4)}px ${Math.round(size * 0.8)}px`,
        background: '#c81e1e',
        borderRadius: Math.round(size * 0.4),
        fontSize: size,
        fontWeight: 700,
        letterSpacing: 2,
      },
      children: 'PLACEHOLDER',
    },
  };
}
