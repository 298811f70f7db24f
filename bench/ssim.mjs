// SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) on luma, as the paper defines it: an 11×11
// Gaussian window (σ = 1.5, normalised), K1 = 0.01, K2 = 0.03, L = 255, the mean of the
// SSIM map over every position where the window fits ("valid"). Luma is BT.601
// (0.299 R + 0.587 G + 0.114 B) in 0..255, at full resolution (no downsampling first,
// which is stricter than the paper's suggestion for viewing at a distance).

const RADIUS = 5;
const SIGMA = 1.5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

const KERNEL = (() => {
  const k = Array.from({ length: 2 * RADIUS + 1 }, (_, i) =>
    Math.exp(-((i - RADIUS) ** 2) / (2 * SIGMA * SIGMA)),
  );
  const sum = k.reduce((a, b) => a + b, 0);
  return Float64Array.from(k, (v) => v / sum);
})();

/** BT.601 luma of interleaved 8-bit pixels with `channels` channels. */
export function luma(pixels, channels) {
  const out = new Float64Array(pixels.length / channels);
  for (let i = 0; i < out.length; i += 1) {
    const at = i * channels;
    out[i] = 0.299 * pixels[at] + 0.587 * pixels[at + 1] + 0.114 * pixels[at + 2];
  }
  return out;
}

/** The Gaussian-weighted mean of `plane` around every valid position (separable). */
function filter(plane, width, height) {
  const w = width - 2 * RADIUS;
  const h = height - 2 * RADIUS;
  const rows = new Float64Array(w * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < w; x += 1) {
      let sum = 0;
      for (let k = 0; k < KERNEL.length; k += 1) sum += KERNEL[k] * plane[y * width + x + k];
      rows[y * w + x] = sum;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      let sum = 0;
      for (let k = 0; k < KERNEL.length; k += 1) sum += KERNEL[k] * rows[(y + k) * w + x];
      out[y * w + x] = sum;
    }
  }
  return out;
}

/** Mean SSIM of two luma planes of the same size. */
export function ssim(a, b, width, height) {
  const product = (p, q) => Float64Array.from(p, (v, i) => v * q[i]);
  const muA = filter(a, width, height);
  const muB = filter(b, width, height);
  const aa = filter(product(a, a), width, height);
  const bb = filter(product(b, b), width, height);
  const ab = filter(product(a, b), width, height);
  let total = 0;
  for (let i = 0; i < muA.length; i += 1) {
    const ma = muA[i];
    const mb = muB[i];
    const varA = aa[i] - ma * ma;
    const varB = bb[i] - mb * mb;
    const cov = ab[i] - ma * mb;
    total +=
      ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (varA + varB + C2));
  }
  return total / muA.length;
}
