import { createHash } from 'node:crypto';
import sharp from 'sharp';

/** Everything that decides the pixels: equal specs give identical bytes. */
export interface ArtSpec {
  model: string;
  prompt: string;
  seed: number | undefined;
  width: number;
  height: number;
  /** Which of the images of one request (0, the default, for the first): each is another picture. */
  variant?: number;
}

export type ArtFormat = 'png' | 'jpeg' | 'webp';

/**
 * A stand-in for a generated image: a gradient and a few shapes whose colours and places come
 * from sha256(model, prompt, seed), so a different prompt or seed is visibly a different picture.
 * No text: fonts differ between machines and would break byte-for-byte determinism.
 */
export async function renderArt(spec: ArtSpec, format: ArtFormat = 'png'): Promise<Buffer> {
  const image = sharp(Buffer.from(artSvg(spec))).removeAlpha();
  switch (format) {
    case 'png':
      // Speed over size: a 4K image must stay well under a second.
      return image.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
    case 'jpeg':
      return image.jpeg({ quality: 85 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 80, effort: 0 }).toBuffer();
  }
}

function artSvg({ model, prompt, seed, width, height, variant = 0 }: ArtSpec): string {
  // The first variant hashes as before variants existed, so chat images keep their bytes.
  const inputs = [model, prompt, seed ?? null, ...(variant === 0 ? [] : [variant])];
  const next = byteSource(JSON.stringify(inputs));
  const unit = () => next() / 255;
  const colour = () => `rgb(${next()},${next()},${next()})`;
  const side = Math.min(width, height);
  const fixed = (value: number) => value.toFixed(1);

  const shapes: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    const x = fixed(unit() * width);
    const y = fixed(unit() * height);
    const size = (0.08 + unit() * 0.3) * side;
    const paint = `fill="${colour()}" fill-opacity="${(0.5 + unit() * 0.45).toFixed(2)}"`;
    if (next() % 2 === 0) {
      shapes.push(`<circle cx="${x}" cy="${y}" r="${fixed(size)}" ${paint}/>`);
    } else {
      const angle = Math.round(unit() * 180);
      shapes.push(
        `<rect x="${fixed(Number(x) - size)}" y="${fixed(Number(y) - size / 2)}" width="${fixed(size * 2)}" height="${fixed(size)}" transform="rotate(${angle} ${x} ${y})" ${paint}/>`,
      );
    }
  }
  const [x2, y2] = [unit().toFixed(2), unit().toFixed(2)];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="${x2}" y2="${y2}">`,
    `<stop offset="0" stop-color="${colour()}"/><stop offset="1" stop-color="${colour()}"/>`,
    '</linearGradient></defs>',
    `<rect width="${width}" height="${height}" fill="url(#bg)"/>`,
    ...shapes,
    '</svg>',
  ].join('');
}

/** An endless, deterministic byte sequence: sha256 of the input, then sha256 of each block. */
function byteSource(input: string): () => number {
  let block = createHash('sha256').update(input).digest();
  let offset = 0;
  return () => {
    if (offset === block.length) {
      block = createHash('sha256').update(block).digest();
      offset = 0;
    }
    const byte = block[offset] ?? 0;
    offset += 1;
    return byte;
  };
}
