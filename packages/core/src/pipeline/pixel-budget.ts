/**
 * Limits derivations by the pixels they decode, not only by count. A decoded 4K original
 * and its cropped master are ~100 MB of raw pixels; two of them at once, beside the
 * response bodies still arriving, would take a 4K build past 512 MB. Small images still
 * derive `maxActive` at a time, since sharp's threads keep both cores busy either way.
 *
 * Tasks start in the order they were queued (a heavy one is never starved by light ones
 * behind it). A task heavier than the whole budget runs alone. The weight need not be
 * pixels: a run's remote read-through limits the image bytes it holds with it.
 */
export function createPixelBudget(
  maxPixels: number,
  maxActive: number,
): <T>(pixels: number, task: () => Promise<T>) => Promise<T> {
  const queue: Array<{ pixels: number; start: () => void }> = [];
  let active = 0;
  let inUse = 0;

  const fits = (pixels: number) =>
    active === 0 || (active < maxActive && inUse + pixels <= maxPixels);

  const pump = () => {
    while (queue.length > 0) {
      const next = queue[0] as (typeof queue)[number];
      if (!fits(next.pixels)) return;
      queue.shift();
      active += 1;
      inUse += next.pixels;
      next.start();
    }
  };

  return (pixels, task) =>
    new Promise((resolve, reject) => {
      queue.push({
        pixels,
        start: () => {
          task()
            .then(resolve, reject)
            .finally(() => {
              active -= 1;
              inUse -= pixels;
              pump();
            });
        },
      });
      pump();
    });
}
