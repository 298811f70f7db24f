import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../cache/keys.js';
import { derivedCacheLayout } from '../cache/layout.js';
import { writeFileAtomicSync } from '../files/atomic-write.js';
import { type AspectRatio, nominalPixelSize, ratioValue } from '../image/ratios.js';
import { OG_SIZE } from './card-spec.js';
import type { DerivedFile, DerivedSet } from './derived-set.js';
import { solidPng } from './solid-png.js';

/** A quiet grey, as a loading skeleton: the page keeps its layout until the header lands. */
const PENDING_COLOUR = '#d4d7dd';

/** Bump when the pending images change, so that older ones on disk are not reused. */
const PENDING_VERSION = 2;

export interface PendingSet {
  derived: DerivedSet;
  /** The master's sha256: it stands in for the original too. */
  sha256: string;
}

const made = new Map<string, Promise<PendingSet>>();

/**
 * The set a dev server shows for a header it has not made yet: one plain image per aspect
 * ratio (at the ratio's 1K size, so the page keeps its layout), a card when the site makes
 * cards, and a matching LQIP and colour. Shared by every pending post and made once per
 * process (a few ms): a start never renders or derives anything per post.
 */
export function pendingSet(
  derivedCacheDir: string,
  aspectRatio: AspectRatio,
  og: boolean,
): Promise<PendingSet> {
  const id = JSON.stringify([derivedCacheDir, aspectRatio, og]);
  let set = made.get(id);
  if (!set) {
    const dir = derivedCacheLayout(derivedCacheDir).pending;
    set = (async () => makePendingSet(dir, aspectRatio, og))();
    // A failed write (a full disk) is tried again by the next caller.
    set.catch(() => made.delete(id));
    made.set(id, set);
  }
  return set;
}

// Synchronously, as the scan reads content files: a few small files, where thread-pool round
// trips would cost a dev server's first page more than the work itself.
function makePendingSet(dir: string, aspectRatio: AspectRatio, og: boolean): PendingSet {
  mkdirSync(dir, { recursive: true });
  const { width } = nominalPixelSize(aspectRatio, '1K');
  const height = Math.round(width / ratioValue(aspectRatio));
  const name = `v${PENDING_VERSION}-${aspectRatio.replace(':', 'x')}`;
  const master = plainImage(join(dir, `${name}.png`), width, height);
  const card = og
    ? plainImage(join(dir, `v${PENDING_VERSION}-og.png`), OG_SIZE.width, OG_SIZE.height)
    : undefined;
  const lqip = solidPng(16, Math.max(1, Math.round(16 / ratioValue(aspectRatio))), PENDING_COLOUR);
  return {
    derived: {
      key: name,
      master: master.file,
      variants: [],
      ...(card ? { og: card.file } : {}),
      lqip: `data:image/png;base64,${lqip.toString('base64')}`,
      color: PENDING_COLOUR,
    },
    sha256: master.sha256,
  };
}

/** The image at `path`, written unless an earlier process already did. */
function plainImage(
  path: string,
  width: number,
  height: number,
): { file: DerivedFile; sha256: string } {
  let bytes = readIfThere(path);
  if (!bytes?.byteLength) {
    bytes = solidPng(width, height, PENDING_COLOUR);
    // Made again if a crash loses it.
    writeFileAtomicSync(path, bytes);
  }
  return {
    file: { file: path, width, height, format: 'png', bytes: bytes.byteLength },
    sha256: sha256Hex(bytes),
  };
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
