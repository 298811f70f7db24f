import { fontsFor } from '../derive/cards/card-fonts.js';
import { type CardNode, directionOf, spacedEmoji } from '../derive/cards/card-layout.js';
import { fitText } from '../derive/cards/fit-text.js';

/**
 * Whether the machine's own fonts can be trusted to draw `text` on placeholder art: Latin
 * (with its accents and extensions), Greek, Cyrillic, digits and common punctuation, which
 * DejaVu Sans (on nearly every machine that has a font at all) covers. Anything else (CJK,
 * Hangul, Arabic, Thai, Devanagari, emoji…) pango would draw from whatever is installed, and
 * where nothing is, as rows of hexadecimal boxes. (©, ® and ™ are emoji only with U+FE0F
 * after them, which is outside these ranges.)
 */
export function systemFontsDraw(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    const known =
      code < 0x0530 || // Latin, IPA, Greek, Cyrillic, combining marks
      (code >= 0x1e00 && code < 0x2000) || // Latin Extended Additional, Greek Extended
      (code >= 0x2000 && code < 0x20d0) || // punctuation, super- and subscripts, currency
      (code >= 0x2100 && code < 0x2150); // letterlike symbols (™, №)
    if (!known) return false;
  }
  return true;
}

/** Where the title goes on the art, and its largest type size. */
export interface TitleBox {
  x: number;
  y: number;
  width: number;
  height: number;
  maxFont: number;
}

/**
 * The title as SVG paths drawn from the bundled fonts (those of the title cards, laid out
 * by satori, which breaks lines as a browser would, CJK included), centred in `box`, white
 * with a soft shadow, shrunk to fit and cut with an ellipsis past its room: the same on
 * every machine, whatever fonts it has. Undefined when the bundled fonts cannot draw it
 * (an optional CJK or Korean package not installed, a script without a face).
 */
export async function bundledTitleSvg(text: string, box: TitleBox): Promise<string | undefined> {
  let fonts: ReturnType<typeof fontsFor>;
  try {
    fonts = fontsFor(text);
  } catch {
    return undefined;
  }
  // Shrunk to 72% at most, as the pango path does, then cut.
  const { svg } = await fitText((fontSize, maxLines) => tree(text, box, fontSize, maxLines), {
    width: Math.round(box.width),
    height: Math.round(box.height),
    fonts,
    fitId: TEXT_ID,
    room: box.height,
    largest: Math.round(box.maxFont),
    smallest: Math.max(8, Math.round(box.maxFont * 0.72)),
  });
  // satori's document, placed where the title goes: a nested <svg> is its own viewport.
  return svg.replace(/^<svg /, `<svg x="${box.x}" y="${box.y}" `);
}

const TEXT_ID = 'title';

function tree(text: string, box: TitleBox, fontSize: number, maxLines?: number): CardNode {
  const shadow = Math.max(1, Math.round(fontSize / 24));
  return {
    type: 'div',
    props: {
      style: {
        display: 'flex',
        width: '100%',
        height: '100%',
        alignItems: 'center',
        justifyContent: 'center',
      },
      children: [
        {
          type: 'div',
          props: {
            id: TEXT_ID,
            style: {
              display: 'block',
              width: Math.round(box.width),
              fontSize,
              lineHeight: 1.2,
              fontWeight: 700,
              color: '#ffffff',
              textAlign: 'center',
              textShadow: `${shadow}px ${shadow}px 0 rgba(0, 0, 0, 0.35)`,
              direction: directionOf(text),
              ...(maxLines
                ? { lineClamp: maxLines, overflow: 'hidden', textOverflow: 'ellipsis' }
                : {}),
            },
            children: spacedEmoji(text),
          },
        },
      ],
    },
  };
}
