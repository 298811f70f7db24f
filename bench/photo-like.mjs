// Photo-like test images, deterministic from a seed: what a compact encoding must hold up on.
// The fake OpenRouter server draws flat shapes, which every codec compresses well; these
// carry what real generated images do (texture, soft gradients, fine detail, grain).
// Used by bench/compact.mjs and by the tests of compact storage.
import sharp from 'sharp';

export const PHOTO_WIDTH = 1344;
export const PHOTO_HEIGHT = 768;

/** The kinds of picture, each a different stress on an encoder; see `photoLikePixels`. */
export const PHOTO_KINDS = ['sines', 'sky', 'terrain', 'bokeh', 'fabric', 'foliage'];

/** mulberry32: a small, fast, seeded PRNG (the same seed gives the same sequence everywhere). */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Value noise on a lattice of `cell` pixels, smoothly interpolated; returns f(x, y) in 0..1. */
function valueNoise(random, cell) {
  const size = 256;
  const lattice = Float32Array.from({ length: size * size }, random);
  const at = (i, j) => lattice[(j & (size - 1)) * size + (i & (size - 1))];
  const smooth = (t) => t * t * (3 - 2 * t);
  return (x, y) => {
    const fx = x / cell;
    const fy = y / cell;
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const u = smooth(fx - i);
    const v = smooth(fy - j);
    const top = at(i, j) + (at(i + 1, j) - at(i, j)) * u;
    const bottom = at(i, j + 1) + (at(i + 1, j + 1) - at(i, j + 1)) * u;
    return top + (bottom - top) * v;
  };
}

/** Fractal (fBm) noise: `octaves` of value noise, each half the cell and half the weight. */
function fractalNoise(random, cell, octaves) {
  const layers = Array.from({ length: octaves }, (_, k) => valueNoise(random, cell / 2 ** k));
  return (x, y) => {
    let sum = 0;
    let weight = 0.5;
    let total = 0;
    for (const layer of layers) {
      sum += layer(x, y) * weight;
      total += weight;
      weight /= 2;
    }
    return sum / total;
  };
}

/** Gaussian-ish grain: the sum of three uniforms, centred, times `amount` (8-bit levels). */
const grain = (random, amount) => (random() + random() + random() - 1.5) * amount;

const mix = (a, b, t) => a + (b - a) * t;

/**
 * Each kind as a colour function of (x, y) → [r, g, b] (0..255, unclamped):
 * - sines: a sum of sines at seven frequencies (2–90 px periods) and orientations per channel;
 * - sky: a vertical gradient sky, fBm clouds, a fractal-ridged dark horizon, light grain;
 * - terrain: 7-octave fBm mapped through a green–brown–snow ramp, shaded by its slope;
 * - bokeh: a smooth radial background with 40 soft discs (blurred later) and film grain;
 * - fabric: a weave of fine sine threads (3–4 px periods) bent by noise, plus grain;
 * - foliage: high-contrast 8-octave fBm down to 1–2 px cells in greens, strong grain: the worst case.
 */
function painter(kind, random, width, height) {
  switch (kind) {
    case 'sines': {
      const waves = Array.from({ length: 7 }, (_, k) => {
        const angle = random() * Math.PI;
        const period = [90, 60, 37, 21, 12, 6, 2.5][k];
        return {
          fx: (Math.cos(angle) * 2 * Math.PI) / period,
          fy: (Math.sin(angle) * 2 * Math.PI) / period,
          phase: [random() * 6.28, random() * 6.28, random() * 6.28],
          amp: 40 / (k + 1.5),
        };
      });
      return (x, y) =>
        [0, 1, 2].map(
          (c) =>
            128 + waves.reduce((s, w) => s + w.amp * Math.sin(w.fx * x + w.fy * y + w.phase[c]), 0),
        );
    }
    case 'sky': {
      const clouds = fractalNoise(random, 220, 6);
      const ridge = fractalNoise(random, 300, 7);
      const horizon = height * (0.62 + random() * 0.1);
      return (x, y) => {
        const t = y / height;
        const cloud = Math.max(0, clouds(x, y * 2.2) - 0.45) * 2.4;
        const sky = [mix(40, 235, t), mix(90, 170, t), mix(200, 140, t)].map((v) =>
          mix(v, 250, Math.min(1, cloud)),
        );
        const ground = horizon + (ridge(x, 0) - 0.5) * 260;
        if (y < ground) return sky.map((v) => v + grain(random, 3));
        const shade = 30 + ridge(x * 3, y * 3) * 50;
        return [shade * 0.8, shade, shade * 0.6].map((v) => v + grain(random, 5));
      };
    }
    case 'terrain': {
      const height1 = fractalNoise(random, 400, 7);
      return (x, y) => {
        const h = height1(x, y);
        const slope = (height1(x + 1, y) - h) * 900;
        const base =
          h < 0.45
            ? [mix(30, 80, h / 0.45), mix(70, 120, h / 0.45), 40]
            : h < 0.6
              ? [120, 95, 60]
              : [235, 235, 240];
        return base.map((v) => v * (1 + slope * 0.2));
      };
    }
    case 'bokeh': {
      const cx = width * random();
      const cy = height * random();
      const discs = Array.from({ length: 40 }, () => ({
        x: random() * width,
        y: random() * height,
        r: 10 + random() * 70,
        colour: [random() * 255, random() * 255, random() * 120 + 100],
      }));
      return (x, y) => {
        const d = Math.hypot(x - cx, y - cy) / width;
        let pixel = [mix(200, 20, d), mix(120, 30, d), mix(80, 60, d)];
        for (const disc of discs) {
          if (Math.hypot(x - disc.x, y - disc.y) < disc.r)
            pixel = pixel.map((v, c) => mix(v, disc.colour[c], 0.55));
        }
        return pixel;
      };
    }
    case 'fabric': {
      const warp = fractalNoise(random, 80, 4);
      const hue = [random() * 120 + 80, random() * 120 + 40, random() * 120 + 40];
      return (x, y) => {
        const bend = warp(x, y) * 6;
        const threads =
          Math.sin((x + bend) * ((2 * Math.PI) / 3.2)) * Math.sin((y - bend) * ((2 * Math.PI) / 4));
        const shade = 0.75 + 0.25 * threads + (warp(x * 4, y * 4) - 0.5) * 0.3;
        return hue.map((v) => v * shade + grain(random, 6));
      };
    }
    case 'foliage': {
      const leaves = fractalNoise(random, 64, 8);
      const light = fractalNoise(random, 500, 3);
      return (x, y) => {
        const n = leaves(x, y);
        const lit = 0.4 + light(x, y);
        const v = Math.max(0, Math.min(1, (n - 0.3) * 2.5));
        return [mix(10, 120, v) * lit, mix(30, 200, v) * lit, mix(10, 70, v) * lit].map(
          (c) => c + grain(random, 14),
        );
      };
    }
    default:
      throw new Error(`unknown photo-like kind ${kind}`);
  }
}

/** The raw RGB pixels (8-bit, 3 channels) of one picture of `kind`, from `seed`. */
export async function photoLikePixels(kind, seed, width = PHOTO_WIDTH, height = PHOTO_HEIGHT) {
  const random = prng(seed * 7919 + PHOTO_KINDS.indexOf(kind) + 1);
  const paint = painter(kind, random, width, height);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = paint(x, y);
      const at = (y * width + x) * 3;
      data[at] = Math.max(0, Math.min(255, Math.round(r)));
      data[at + 1] = Math.max(0, Math.min(255, Math.round(g)));
      data[at + 2] = Math.max(0, Math.min(255, Math.round(b)));
    }
  }
  const raw = { raw: { width, height, channels: 3 } };
  let pixels = data;
  if (kind === 'bokeh') {
    // The discs are out of focus (blurred), the grain of the film is not.
    pixels = await sharp(pixels, raw).blur(6).raw().toBuffer();
    for (let i = 0; i < pixels.length; i += 1) {
      pixels[i] = Math.max(0, Math.min(255, Math.round(pixels[i] + grain(random, 8))));
    }
  }
  // Nothing in a real picture is sharper than a pixel: a camera's demosaicing, or a model's
  // decoder, spreads each detail and each grain a little. Without this, grain is independent
  // from pixel to pixel, which no photo has (see bench/README.md, "Compact originals").
  return sharp(pixels, raw).blur(0.7).raw().toBuffer();
}

/** One picture as a PNG (compression level 6, as a model's answer typically is). */
export async function photoLikePng(kind, seed, width = PHOTO_WIDTH, height = PHOTO_HEIGHT) {
  const pixels = await photoLikePixels(kind, seed, width, height);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
