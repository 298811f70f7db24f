import sharp from 'sharp';
import type { Focus } from '../image/focus.js';
import { decodePixels } from '../image/inspect.js';
import { fontsFor, userFace } from './cards/card-fonts.js';
import {
  type CardLayout,
  cardTree,
  marginOf,
  SITE_ID,
  siteSizeOf,
  TITLE_ID,
} from './cards/card-layout.js';
import { fitText } from './cards/fit-text.js';
import {
  applyScrim,
  type Box,
  blendOver,
  type Region,
  scrimFor,
  scrimProfile,
} from './cards/scrim.js';
import { encodeCard } from './encoders.js';
import { focusPosition } from './focus-position.js';
import { fromRaw, type RawImage } from './sharp-input.js';

/** How a site's cards look; the post gives the title, the header the picture. */
export interface CardStyle {
  layout: CardLayout;
  /** The scrim's least darkness at the text, 0–1; darkened further when contrast needs it. */
  overlay: number;
  siteName?: string | undefined;
  /** A TTF, OTF or WOFF file's bytes, tried before the bundled fonts. */
  font?: Uint8Array | undefined;
  /** A PNG, JPEG or SVG file's bytes and type, drawn before the site's name. */
  logo?: { bytes: Uint8Array; mediaType: string } | undefined;
  /** The text's language (BCP 47): it chooses the forms of Han characters (`og.lang`). */
  lang?: string | undefined;
}

export interface TitleCardInput extends CardStyle {
  original: RawImage;
  focus: Focus;
  width: number;
  height: number;
  title: string;
  /** Offline art: the card carries a PLACEHOLDER badge. */
  placeholder: boolean;
}

export interface RenderedCard {
  jpeg: Buffer;
  /** The title's type size after shrinking to fit. */
  fontSize: number;
  /** True when even the smallest size overflowed and the title was cut with an ellipsis. */
  truncated: boolean;
  /** The drawn text's box, and the WCAG contrast of white text against the darkened pixels in it. */
  textBox: Box;
  contrast: number;
  /** The scrim's darkness at the text, 0–1. */
  scrim: number;
}

/**
 * Lays out a word in `font` alone: throws the card renderer's own error when it cannot read
 * the font (its tables missing or broken behind a valid header), which would otherwise fail
 * every card with a message that names no file.
 */
export async function checkCardFont(font: Uint8Array): Promise<void> {
  const { default: satori } = await import('satori');
  await satori(
    { type: 'div', props: { style: { display: 'flex' }, children: 'Aa' } },
    {
      width: 64,
      height: 64,
      fonts: [userFace(font)],
      loadAdditionalAsset: async () => [],
    },
  );
}

/**
 * Decodes a logo as the card will draw it: throws when it cannot be (a PNG or JPEG broken
 * behind a valid header, an SVG that does not parse), which would otherwise leave every
 * card without its logo, silently.
 */
export async function checkCardLogo(logo: NonNullable<CardStyle['logo']>): Promise<void> {
  if (logo.mediaType === 'image/svg+xml') {
    const { Resvg } = await import('@resvg/resvg-js');
    new Resvg(Buffer.from(logo.bytes).toString('utf8'), { font: { loadSystemFonts: false } });
    return;
  }
  // Strict, and within sharp's own pixel limit, as a plain `sharp(bytes)` decode was.
  await decodePixels(logo.bytes, { strict: true, maxPixels: SHARP_PIXEL_LIMIT });
}

/** sharp's default `limitInputPixels`. */
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;

/**
 * A social card: the header's picture cropped to the card's size around the post's focus,
 * the title and site name laid out by satori (a flexbox engine with real line breaking,
 * per-glyph font fallback and bidi) and drawn by resvg, over a gradient scrim dark enough
 * that white text keeps WCAG AA contrast against every pixel under it.
 *
 * Why satori + resvg: both run in Node with no browser and no system font (satori turns
 * glyphs into paths, resvg is told to load none), so the same inputs give the same bytes on
 * every machine; they are what @vercel/og is built on, so their failure modes are known:
 * satori draws outline glyphs only (hence a monochrome emoji font rather than colour emoji),
 * and its RTL and Arabic joining are its own (checked by this module's golden cards). A
 * headless browser would shape text better but costs ~100× the time and a browser download.
 */
export async function renderTitleCard(input: TitleCardInput): Promise<RenderedCard> {
  const { width, height, title, siteName, placeholder } = input;
  // Cut in sharp's threads while this one lays out and draws the text.
  const cut = cardPicture(input.original, width, height, input.focus);
  // Awaited below; the text failing first must not leave it unhandled.
  cut.catch(() => {});
  const fonts = fontsFor(
    [title, siteName ?? '', placeholder ? 'PLACEHOLDER' : ''].join(' '),
    input.font,
    input.lang,
  );
  const logo = input.logo
    ? `data:${input.logo.mediaType};base64,${Buffer.from(input.logo.bytes).toString('base64')}`
    : undefined;
  // Loaded while satori lays the text out.
  const resvg = import('@resvg/resvg-js');
  const laid = await fitText(
    (fontSize, maxLines) =>
      cardTree({
        width,
        height,
        title,
        siteName,
        logo,
        layout: input.layout,
        placeholder,
        fontSize,
        maxLines,
      }),
    {
      width,
      height,
      fonts,
      fitId: TITLE_ID,
      room: titleRoom(width, height, siteName !== undefined || logo !== undefined),
      largest: Math.round(Math.min(width, height) * 0.115),
      smallest: Math.round(Math.min(width, height) * 0.045),
    },
  );
  const { fontSize, truncated } = laid;
  const { Resvg } = await resvg;

  // Premultiplied RGBA straight from resvg: no PNG to encode and decode again.
  const overlay = renderOverlay(laid.svg, width, height, Resvg);
  const picture = await cut;
  // The text's boxes as laid out (the title's lines, the site line), not every drawn pixel:
  // the placeholder badge has its own background and must not pull the scrim up the card.
  const textBox = grow(
    union([...(laid.boxes.get(TITLE_ID) ?? []), ...(laid.boxes.get(SITE_ID) ?? [])]),
    4,
    width,
    height,
  );
  const { strength, contrast } = scrimFor(picture, width, textBox, input.overlay);
  applyScrim(picture, width, scrimProfile(height, textBox, strength, Math.round(height * 0.35)));
  if (overlay) blendOver(picture, overlay.pixels, { width, region: overlay.region });
  const jpeg = await encodeCard(sharp(picture, { raw: { width, height, channels: 3 } })).toBuffer();
  return { jpeg, fontSize, truncated, textBox, contrast, scrim: strength };
}

/**
 * The drawn part of the card's SVG (text, badge, logo) as premultiplied RGBA, and where it
 * goes; undefined when nothing is drawn. Only that part: resvg's RGBA of the whole card was
 * 3 MB, and buffers like it make a large heap (a host's, Astro's) collect more often. Cut at
 * whole pixels, 2 px beyond the drawing's box (its edges' anti-aliasing), the pixels are the
 * whole render's: the same sample grid, moved by whole pixels (checked by the card tests).
 */
export function renderOverlay(
  svg: string,
  width: number,
  height: number,
  Resvg: typeof import('@resvg/resvg-js').Resvg,
): { pixels: Uint8Array; region: Region } | undefined {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: false } });
  const box = resvg.getBBox();
  if (!box || !(box.width > 0 && box.height > 0)) return undefined;
  const left = Math.max(0, Math.floor(box.x) - 2);
  const top = Math.max(0, Math.floor(box.y) - 2);
  const right = Math.min(width, Math.ceil(box.x + box.width) + 2);
  const bottom = Math.min(height, Math.ceil(box.y + box.height) + 2);
  if (right <= left || bottom <= top) return undefined;
  const region = { left, top, width: right - left, height: bottom - top };
  Object.assign(box, { x: left, y: top, width: region.width, height: region.height });
  resvg.cropByBBox(box);
  const image = resvg.render();
  if (image.width === region.width && image.height === region.height)
    return { pixels: image.pixels, region };
  // Not the size asked for: the whole card, as before.
  const whole = new Resvg(svg, { font: { loadSystemFonts: false } }).render();
  return { pixels: whole.pixels, region: { left: 0, top: 0, width, height } };
}

/**
 * The header's picture at the card's size, cut around the focus, 3 channels. For `attention`
 * and `entropy`, sharp resizes the whole original once to find where to cut and again for
 * the crop; resizing it once to cover the card (`outside` scales as `cover` does) and cutting
 * that gives the same pixels for about half the time (a 1080×1080 card, upscaled: a third).
 */
async function cardPicture(
  original: RawImage,
  width: number,
  height: number,
  focus: Focus,
): Promise<Buffer> {
  const position = focusPosition(focus);
  const size = { width, height };
  if (typeof position === 'string') {
    return fromRaw(original)
      .resize({ ...size, fit: 'cover', position })
      .removeAlpha()
      .raw()
      .toBuffer();
  }
  const { data, info } = await fromRaw(original)
    .resize({ ...size, fit: 'outside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const covering: RawImage = {
    data,
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
  return fromRaw(covering)
    .resize({ ...size, fit: 'cover', position })
    .removeAlpha()
    .raw()
    .toBuffer();
}

/** The height the title may take: the card less its margins and the site line. */
function titleRoom(width: number, height: number, siteLine: boolean): number {
  const siteSize = siteSizeOf(width, height);
  return (
    height -
    2 * marginOf(width, height) -
    (siteLine ? Math.round(siteSize * 1.6 + siteSize * 0.7) : 0)
  );
}

function union(boxes: Box[]): Box {
  return {
    left: Math.min(...boxes.map((box) => box.left)),
    top: Math.min(...boxes.map((box) => box.top)),
    right: Math.max(...boxes.map((box) => box.right)),
    bottom: Math.max(...boxes.map((box) => box.bottom)),
  };
}

function grow(box: Box, by: number, width: number, height: number): Box {
  return {
    left: Math.max(0, box.left - by),
    top: Math.max(0, box.top - by),
    right: Math.min(width - 1, box.right + by),
    bottom: Math.min(height - 1, box.bottom + by),
  };
}
