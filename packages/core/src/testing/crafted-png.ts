import { crc32, deflateSync } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const iendLength = 12;

/** One PNG chunk: length, type, data, CRC over type and data. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

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
