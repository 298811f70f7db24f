import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type AspectRatio, type ImageSize, nominalPixelSize } from '../image/ratios.js';
import { bundledTitleSvg, systemFontsDraw, type TitleBox } from './placeholder-title.js';

export interface PlaceholderArtRequest {
  /** The final prompt; its sha256 (with the seed) drives every random choice. */
  prompt: string;
  seed?: number;
  /** Drawn on the image when present; otherwise a short excerpt of the prompt is. */
  title?: string;
  aspectRatio: AspectRatio;
  imageSize: ImageSize;
}

export interface PlaceholderArt {
  bytes: Uint8Array;
  mediaType: 'image/png';
  width: number;
  height: number;
}

export const PLACEHOLDER_LABEL = 'PLACEHOLDER · headerforge';

// Font lists end in a generic family so fontconfig always has something to match; the
// named faces only pick a nicer match where one is installed.
const TITLE_FONTS = `'Inter', 'Helvetica Neue', 'Segoe UI', Arial, 'Noto Sans', 'DejaVu Sans', sans-serif`;
const LABEL_FONTS = `'DejaVu Sans Mono', Menlo, Consolas, 'Noto Sans Mono', monospace`;
const PROMPT_EXCERPT_CHARS = 90;

/**
 * Deterministic offline art for a header: the same request always yields the same PNG
 * bytes, sized like a real model's answer so the crop/derive path runs as it would for
 * a paid image. The hatched frame and the label make it unmistakably a placeholder. The
 * title is drawn with the machine's fonts where they can be trusted with it (Latin, Greek,
 * Cyrillic), else with the title cards' bundled fonts (any script they have), else the
 * prompt's excerpt is; on a machine where no font renders, drawn image icons take the
 * place of the text.
 */
export async function renderPlaceholderArt(
  request: PlaceholderArtRequest,
): Promise<PlaceholderArt> {
  if (typeof request.prompt !== 'string' || request.prompt.trim() === '') {
    throw new HeaderforgeError('invalid_request', 'Placeholder art needs a non-empty prompt.', {
      hint: 'Give the post a header prompt (or an `auto` prompt in the site options).',
    });
  }
  const { width, height } = nominalPixelSize(request.aspectRatio, request.imageSize);
  const random = hashRandom(request.prompt, request.seed);
  const text = request.title?.trim() ? request.title : promptExcerpt(request.prompt);
  const withText = await textRenders();
  const title = await titleLayer(text, request.prompt, width, height, withText);
  const svg = svgDocument(width, height, [
    backgroundSvg(width, height, random),
    frameSvg(width, height),
    title ?? centreIconSvg(width, height),
    labelSvg(width, height, withText),
  ]);
  try {
    // One SVG, rasterised once: rendering the background small and enlarging it was
    // tried and is slower at 4K (libvips' upscale costs more than librsvg's gradients).
    const png = await sharp(Buffer.from(svg, 'utf8'))
      .removeAlpha()
      // Speed over size: these bytes never ship as a real header, and 4K must stay quick.
      .png({ compressionLevel: 1, adaptiveFiltering: false })
      .toBuffer();
    return { bytes: new Uint8Array(png), mediaType: 'image/png', width, height };
  } catch (cause) {
    throw new HeaderforgeError('image_processing', 'Could not render the placeholder art.', {
      hint: 'This is a bug in headerforge: please report it with the post prompt and title.',
      cause,
    });
  }
}

function svgDocument(width: number, height: number, body: string | string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...[body].flat(),
    '</svg>',
  ].join('\n');
}

let textProbe: Promise<boolean> | undefined;

/**
 * Whether this machine has a font for text at all. Without one, pango still draws text
 * but as rows of identical "missing glyph" boxes, which looks broken rather than
 * intentional; those boxes are all one width, so a wide and a narrow string measure the
 * same. Probed once per process (about 10 ms); exported for the tests only.
 */
export function textRenders(): Promise<boolean> {
  textProbe ??= (async () => {
    const measure = async (text: string) =>
      (
        await sharp({ text: { text, font: 'sans' } })
          .png()
          .toBuffer({ resolveWithObject: true })
      ).info.width;
    try {
      const [narrow, wide] = await Promise.all([measure('iiiiiiii'), measure('WWWWWWWW')]);
      return wide > narrow * 1.5;
    } catch {
      // A libvips without text support cannot draw our title either: same fallback.
      return false;
    }
  })();
  return textProbe;
}

/** A stream of numbers in [0, 1) drawn from sha256(prompt, seed), extended by re-hashing. */
function hashRandom(prompt: string, seed: number | undefined): () => number {
  const root = createHash('sha256')
    .update(JSON.stringify([prompt, seed ?? null]))
    .digest();
  let block = root;
  let counter = 0;
  let offset = 0;
  return () => {
    if (offset + 4 > block.length) {
      counter += 1;
      block = createHash('sha256').update(root).update(String(counter)).digest();
      offset = 0;
    }
    const value = block.readUInt32BE(offset) / 2 ** 32;
    offset += 4;
    return value;
  };
}

function promptExcerpt(prompt: string): string {
  return `“${truncateGraphemes(prompt.trim().replace(/\s+/g, ' '), PROMPT_EXCERPT_CHARS)}”`;
}

/** A diagonal gradient under a few large, soft radial blobs: the whole palette. */
function backgroundSvg(width: number, height: number, random: () => number): string {
  const hue = random() * 360;
  // Harmony offsets keep the pair pleasant: analogous, split and full complements.
  const offsets = [35, -40, 150, 180, 210, 60];
  const hue2 = hue + (offsets[Math.floor(random() * offsets.length)] ?? 35);
  const saturation = 0.45 + random() * 0.3;
  // Both ends stay mid-dark so the white title always reads.
  const from = hsl(hue, saturation, 0.24 + random() * 0.1);
  const to = hsl(hue2, saturation, 0.4 + random() * 0.12);
  const angle = random() * Math.PI * 2;
  const cx = width / 2;
  const cy = height / 2;
  const reach = Math.hypot(width, height) / 2;
  const dx = Math.cos(angle) * reach;
  const dy = Math.sin(angle) * reach;
  const defs = [
    `<linearGradient id="hf-bg" gradientUnits="userSpaceOnUse" x1="${n(cx - dx)}" y1="${n(cy - dy)}" x2="${n(cx + dx)}" y2="${n(cy + dy)}">`,
    `<stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>`,
  ];
  const shapes: string[] = [];
  // Each blob costs librsvg ~100 ms at 4K: three or four keep 4K well under a second.
  const blobCount = 3 + Math.floor(random() * 2);
  const scale = Math.max(width, height);
  for (let i = 0; i < blobCount; i++) {
    const blobHue = (i % 2 === 0 ? hue2 : hue) + (random() - 0.5) * 50;
    const colour = hsl(blobHue, Math.min(0.9, saturation + 0.15), 0.55 + random() * 0.2);
    const opacity = (0.35 + random() * 0.35).toFixed(2);
    // Radial fades instead of blur filters: same softness, a fraction of the render time.
    defs.push(
      `<radialGradient id="hf-blob${i}"><stop offset="0" stop-color="${colour}" stop-opacity="${opacity}"/><stop offset="1" stop-color="${colour}" stop-opacity="0"/></radialGradient>`,
    );
    const rx = scale * (0.18 + random() * 0.25);
    const ry = rx * (0.6 + random() * 0.6);
    const rotate = random() * 180;
    shapes.push(
      `<ellipse cx="${n(random() * width)}" cy="${n(random() * height)}" rx="${n(rx)}" ry="${n(ry)}" transform="rotate(${n(rotate)} ${n(random() * width)} ${n(random() * height)})" fill="url(#hf-blob${i})"/>`,
    );
  }
  return [
    `<defs>${defs.join('')}</defs>`,
    `<rect width="${width}" height="${height}" fill="url(#hf-bg)"/>`,
    ...shapes,
  ].join('\n');
}

/**
 * A hatched "under construction" border: the placeholder marker that needs no font, so
 * the art can never pass for a generated image even where text does not render.
 */
function frameSvg(width: number, height: number): string {
  const band = frameBand(width, height);
  const ring = `M0 0H${width}V${height}H0Z M${band} ${band}V${height - band}H${width - band}V${band}Z`;
  return [
    `<path d="${ring}" fill-rule="evenodd" fill="#000000" fill-opacity="0.45"/>`,
    `<path d="${hatchPath(width, height, band)}" fill="#ffffff" fill-opacity="0.55"/>`,
    `<rect x="${band}" y="${band}" width="${width - 2 * band}" height="${height - 2 * band}" fill="none" stroke="#ffffff" stroke-opacity="0.7" stroke-width="${Math.max(1, Math.round(band / 6))}"/>`,
  ].join('\n');
}

/**
 * The stripes x + y ∈ [c, c + period/2], cut into each band as explicit parallelograms.
 * An SVG <pattern> looks the same but costs librsvg half a second at 4K. All pieces wind
 * clockwise in one path, so where the bands meet in the corners they fill once, not twice.
 */
function hatchPath(width: number, height: number, band: number): string {
  const period = Math.max(6, Math.round(band * 1.1));
  const half = period / 2;
  const pieces: string[] = [];
  for (let c = -period; c < width + height + period; c += period) {
    for (const y0 of [0, height - band]) {
      if (c - y0 - band < width && c - y0 + half > 0) {
        pieces.push(`M${c - y0} ${y0}h${half}l${-band} ${band}h${-half}Z`);
      }
    }
    for (const x0 of [0, width - band]) {
      if (c - x0 - band < height && c - x0 + half > 0) {
        pieces.push(`M${x0} ${c - x0}l${band} ${-band}v${half}l${-band} ${band}Z`);
      }
    }
  }
  return pieces.join('');
}

function frameBand(width: number, height: number): number {
  return Math.max(6, Math.round(Math.min(width, height) * 0.03));
}

/**
 * The art's title as SVG, or undefined (drawn icons instead) on a machine where no font
 * renders, as before. pango draws a title of Latin, Greek or Cyrillic from the machine's
 * fonts (the same bytes as before the bundled fonts were used here); a title in any other
 * script comes from the bundled fonts, which pango's may lack (it draws hexadecimal boxes
 * then); a title those cannot draw either (an optional CJK package not installed) gives way
 * to the prompt's excerpt, if that is one pango can be trusted with.
 */
async function titleLayer(
  text: string,
  prompt: string,
  width: number,
  height: number,
  systemFonts: boolean,
): Promise<string | undefined> {
  if (!systemFonts) return undefined;
  if (systemFontsDraw(text)) return titleSvg(text, width, height);
  const bundled = await bundledTitleSvg(cleanText(text), titleBox(width, height));
  if (bundled) return bundled;
  const excerpt = promptExcerpt(prompt);
  return systemFontsDraw(excerpt) ? titleSvg(excerpt, width, height) : undefined;
}

/** Where the title goes: inside the frame, above the label's strip. */
function titleBox(width: number, height: number): TitleBox {
  const inset = frameBand(width, height) + Math.round(Math.min(width, height) * 0.07);
  return {
    x: inset,
    y: inset,
    width: width - 2 * inset,
    // Leave the bottom strip to the label.
    height: height - 2 * inset - labelFontSize(width, height) * 2,
    maxFont: Math.min(height * 0.1, width * 0.07),
  };
}

function titleSvg(text: string, width: number, height: number): string {
  const { x: inset, width: boxWidth, height: boxHeight, maxFont } = titleBox(width, height);
  const layout = layoutTitle(text, boxWidth, boxHeight, maxFont);
  const lineHeight = layout.fontSize * 1.2;
  const top = inset + (boxHeight - layout.lines.length * lineHeight) / 2;
  const shadow = Math.max(1, Math.round(layout.fontSize / 24));
  const tspans = (dx: number, dy: number) =>
    layout.lines
      .map(
        (line, i) =>
          `<tspan x="${n(width / 2 + dx)}" y="${n(top + i * lineHeight + layout.fontSize * 0.95 + dy)}">${escapeXml(line)}</tspan>`,
      )
      .join('');
  // The clip is the guarantee: width estimates are heuristics, overflow must still be impossible.
  return [
    `<defs><clipPath id="hf-title-clip"><rect x="${inset}" y="${inset}" width="${boxWidth}" height="${n(boxHeight)}"/></clipPath></defs>`,
    `<g clip-path="url(#hf-title-clip)" font-family="${TITLE_FONTS}" font-weight="700" font-size="${n(layout.fontSize)}" text-anchor="middle">`,
    `<text fill="#000000" fill-opacity="0.35">${tspans(shadow, shadow)}</text>`,
    `<text fill="#ffffff">${tspans(0, 0)}</text>`,
    '</g>',
  ].join('\n');
}

/** Small but legible, and never wider than the image on the narrowest ratios. */
function labelFontSize(width: number, height: number): number {
  const preferred = Math.max(10, Math.round(Math.min(width, height) * 0.028));
  // The pill is about 18.5 label-ems wide (see labelSvg); keep it inside the frame.
  const fitting = Math.floor((width - 2 * frameBand(width, height)) / 19.5);
  return Math.max(6, Math.min(preferred, fitting));
}

/** Stands in for the title where no font renders, so the centre still says "no image yet". */
function centreIconSvg(width: number, height: number): string {
  const size = Math.round(Math.min(width, height) * 0.3);
  const icon = imageIconSvg((width - size) / 2, (height - size) / 2, size);
  return `<g opacity="0.8">${icon}</g>`;
}

/** A dark pill in the bottom-right corner: a drawn "missing image" icon and the label. */
function labelSvg(width: number, height: number, withText: boolean): string {
  const size = labelFontSize(width, height);
  const band = frameBand(width, height);
  const pad = Math.round(size * 0.6);
  const icon = Math.round(size * 1.2);
  // Monospace advance is ~0.6em, so the pill fits the label without measuring text.
  const textWidth = withText ? PLACEHOLDER_LABEL.length * size * 0.62 + pad : 0;
  const pillWidth = pad * 2 + icon + textWidth;
  const pillHeight = Math.round(size * 2);
  const x = width - band - pad - pillWidth;
  const y = height - band - pad - pillHeight;
  const ix = x + pad;
  const iy = y + (pillHeight - icon) / 2;
  return [
    `<rect x="${n(x)}" y="${n(y)}" width="${n(pillWidth)}" height="${pillHeight}" rx="${n(pillHeight / 2)}" fill="#000000" fill-opacity="0.6"/>`,
    imageIconSvg(ix, iy, icon),
    withText &&
      `<text x="${n(x + pillWidth - pad)}" y="${n(y + pillHeight / 2 + size * 0.36)}" font-family="${LABEL_FONTS}" font-size="${size}" text-anchor="end" fill="#ffffff">${escapeXml(PLACEHOLDER_LABEL)}</text>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The wireframe "image goes here" glyph (frame, sun, mountains), drawn without a font. */
function imageIconSvg(x: number, y: number, size: number): string {
  const s = (f: number) => n(f * size);
  const stroke = Math.max(1, size / 10);
  return [
    `<g transform="translate(${n(x)} ${n(y)})" fill="none" stroke="#ffffff" stroke-width="${n(stroke)}" stroke-linejoin="round">`,
    `<rect x="${s(0.05)}" y="${s(0.12)}" width="${s(0.9)}" height="${s(0.76)}" rx="${s(0.08)}"/>`,
    `<circle cx="${s(0.34)}" cy="${s(0.36)}" r="${s(0.09)}" fill="#ffffff"/>`,
    `<path d="M${s(0.1)} ${s(0.8)}L${s(0.4)} ${s(0.52)}L${s(0.58)} ${s(0.68)}L${s(0.7)} ${s(0.58)}L${s(0.9)} ${s(0.8)}"/>`,
    '</g>',
  ].join('');
}

interface TitleLayout {
  lines: string[];
  fontSize: number;
}

/**
 * Wraps the title into lines by estimated width, shrinking the type a little before
 * falling back to truncation with an ellipsis on the last line.
 */
function layoutTitle(
  text: string,
  boxWidth: number,
  boxHeight: number,
  maxFont: number,
): TitleLayout {
  const clean = cleanText(text);
  let fontSize = maxFont;
  for (const shrink of [1, 0.85, 0.72]) {
    fontSize = Math.max(8, maxFont * shrink);
    const maxLines = Math.max(1, Math.min(4, Math.floor(boxHeight / (fontSize * 1.2))));
    const lines = wrap(clean, boxWidth / fontSize);
    if (lines.length <= maxLines) return { lines, fontSize };
    if (shrink === 0.72) {
      const kept = lines.slice(0, maxLines);
      const last = kept.length - 1;
      kept[last] = ellipsize(`${kept[last]} ${lines[maxLines] ?? ''}`, boxWidth / fontSize);
      return { lines: kept, fontSize };
    }
  }
  return { lines: [clean], fontSize };
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Greedy word wrap in em units; a word wider than a line is broken between graphemes. */
function wrap(text: string, lineEms: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (textEms(candidate) <= lineEms) {
      current = candidate;
      continue;
    }
    if (current !== '') lines.push(current);
    current = '';
    for (const { segment } of segmenter.segment(word)) {
      if (current !== '' && textEms(current + segment) > lineEms) {
        lines.push(current);
        current = '';
      }
      current += segment;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

function ellipsize(line: string, lineEms: number): string {
  let out = '';
  for (const { segment } of segmenter.segment(line)) {
    if (textEms(`${out}${segment}…`) > lineEms) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}

function truncateGraphemes(text: string, max: number): string {
  const graphemes = Array.from(segmenter.segment(text), (s) => s.segment);
  return graphemes.length <= max
    ? text
    : `${graphemes
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

const WIDE =
  /\p{Extended_Pictographic}|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
const EXTRA_BROAD = /[MWmw@%]/;
const BROAD = /[A-Z0-9#&]/;
const NARROW = /[ ilj.,:;'!|()[\]frt’‘`]/;

/**
 * Rough width of bold sans text in ems, calibrated on DejaVu Sans Bold (the fallback on
 * bare Linux, and wider than most faces) so lines rarely reach the clip elsewhere either.
 */
function textEms(text: string): number {
  let ems = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (WIDE.test(segment)) ems += 1.2;
    else if (EXTRA_BROAD.test(segment)) ems += 1.05;
    else if (BROAD.test(segment)) ems += 0.84;
    else if (NARROW.test(segment)) ems += 0.44;
    else ems += 0.73;
  }
  return ems;
}

/**
 * Makes arbitrary text safe to embed in XML: characters XML 1.0 forbids (controls, lone
 * surrogates) would make librsvg reject the whole document, so they become spaces.
 */
function cleanText(text: string): string {
  return text
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[\ufffe\uffff]/g, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function hsl(hue: number, saturation: number, lightness: number): string {
  const h = (((hue % 360) + 360) % 360) / 60;
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] =
    h < 1
      ? [chroma, x, 0]
      : h < 2
        ? [x, chroma, 0]
        : h < 3
          ? [0, chroma, x]
          : h < 4
            ? [0, x, chroma]
            : h < 5
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const m = lightness - chroma / 2;
  const hex = (v: number) =>
    Math.round((v + m) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

/** Two decimals are plenty for pixels and keep the SVG (and so the bytes) stable. */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}
