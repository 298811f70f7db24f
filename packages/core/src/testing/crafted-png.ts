import { deflateSync } from 'node:zlib';
import { pngChunk, PNG_SIGNATURE as signature } from '../derive/solid-png.js';

const iendLength = 12;

/**
 * A few hundred bytes that pass a magic-byte and header check but claim 60000×60000 RGB pixels
 * (10.8 GB decoded): what a client must refuse to decode. The pixel data holds one scanline.
 */
export function decompressionBombPng(): Buffer {
  const side = 60_000;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, RGB, deflate, adaptive filtering, not interlaced
  const scanline = Buffer.alloc(1 + side * 3);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanline)),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/**
 * The same image grown to about `totalBytes` by a private ancillary chunk before IEND, which
 * decoders skip: still a valid PNG, just a very large one.
 */
export function padPng(png: Buffer, totalBytes: number): Buffer {
  const padding = Math.max(0, totalBytes - png.length - 12);
  const end = png.length - iendLength;
  return Buffer.concat([
    png.subarray(0, end),
    pngChunk('hfPd', new Uint8Array(padding)),
    png.subarray(end),
  ]);
}
