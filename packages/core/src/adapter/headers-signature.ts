import { sha256Hex } from '../cache/keys.js';
import type { HeaderResult } from '../pipeline/summary.js';

/**
 * A short fingerprint of the headers being served: it changes whenever a post gains, loses
 * or changes its header image or title card, so a host can tell its cached entries to be read again.
 */
export function headersSignature(headers: ReadonlyMap<string, HeaderResult>): string {
  return sha256Hex(
    JSON.stringify(
      [...headers].map(([file, header]) => [
        file,
        header.derived.master.file,
        ...(header.cards ?? []).map((card) => card.file),
      ]),
    ),
  );
}
