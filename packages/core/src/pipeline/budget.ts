/**
 * Stops new paid generations before `maxNewImages` or `maxCostUsd` would be exceeded.
 * A slot is reserved with its estimated cost before the request and settled with the real
 * cost after, so concurrent requests cannot overshoot the cap together.
 */
export interface BudgetLimits {
  maxNewImages?: number | undefined;
  maxCostUsd?: number | undefined;
}

export interface Reservation {
  /**
   * The request was billed: counts its real cost, or the reserved worst case when the cost
   * is unknown (an image refused after it was paid for). Returns what was counted.
   */
  settle(actualCostUsd: number | undefined): number;
  /** The request failed before producing an image: give the slot back. */
  cancel(): void;
}

export interface Budget {
  /** Reserves `images` new images (one request's worth) costing `estimateUsd` in all. */
  reserve(estimateUsd: number, images?: number): Reservation | { refused: string };
  readonly spentUsd: number;
  readonly started: number;
}

export function createBudget(limits: BudgetLimits): Budget {
  let spentUsd = 0;
  let reservedUsd = 0;
  let started = 0;
  return {
    get spentUsd() {
      return spentUsd;
    },
    get started() {
      return started;
    },
    reserve(estimateUsd, images = 1) {
      if (limits.maxNewImages !== undefined && started + images > limits.maxNewImages) {
        return { refused: `maxNewImages (${limits.maxNewImages}) reached` };
      }
      if (
        limits.maxCostUsd !== undefined &&
        spentUsd + reservedUsd + estimateUsd > limits.maxCostUsd
      ) {
        return {
          refused: `maxCostUsd ($${limits.maxCostUsd.toFixed(2)}) would be exceeded: $${spentUsd.toFixed(4)} spent, next image ≈ $${estimateUsd.toFixed(4)}`,
        };
      }
      started += images;
      reservedUsd += estimateUsd;
      let open = true;
      return {
        settle(actual) {
          if (!open) return 0;
          open = false;
          reservedUsd -= estimateUsd;
          const counted = actual ?? estimateUsd;
          spentUsd += counted;
          return counted;
        },
        cancel() {
          if (!open) return;
          open = false;
          reservedUsd -= estimateUsd;
          started -= images;
        },
      };
    },
  };
}
