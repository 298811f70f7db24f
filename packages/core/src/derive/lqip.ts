import { fromRaw, type RawImage } from './sharp-input.js';

/**
 * Longest side of the placeholder. At 24 px, WebP q40 after a sigma-1 blur, the worst
 * case measured (random colour blocks at about this scale) made a 239-character data URL
 * at 16:9 and 343 at 1:1: far inside the 1 KB budget, which the tests hold it to.
 */
const LQIP_SIDE = 24;

/**
 * A tiny blurred copy of the master as a `data:` URL, inlined as the background while
 * the real image loads. WebP: a fifth of JPEG's size at this scale (JPEG's headers alone
 * are ~300 bytes), and AVIF's container is larger still.
 */
export async function makeLqip(master: RawImage): Promise<string> {
  const landscape = master.width >= master.height;
  const scale = LQIP_SIDE / (landscape ? master.width : master.height);
  const width = Math.max(1, Math.round(master.width * scale));
  const height = Math.max(1, Math.round(master.height * scale));
  const bytes = await fromRaw(master)
    .resize(width, height, { fit: 'fill' })
    .blur(1)
    .webp({ quality: 40, effort: 6 })
    .toBuffer();
  return `data:image/webp;base64,${bytes.toString('base64')}`;
}
