/**
 * At most `concurrency` tasks at once, the waiting ones started lowest `order` first (then
 * first come, first served). A dev server paces its background steps through one: each
 * image's next step goes before the first step of an image after it, so the posts are
 * finished one after another, in the run's order, rather than all of them a step at a
 * time (with hundreds of posts, the first one would otherwise wait for every other's
 * first step).
 */
export function orderedLimit(concurrency: number) {
  interface Waiting {
    order: number;
    arrival: number;
    start: () => void;
  }
  const waiting: Waiting[] = [];
  let running = 0;
  let arrivals = 0;
  const next = () => {
    while (running < concurrency && waiting.length > 0) {
      running++;
      (waiting.shift() as Waiting).start();
    }
  };
  return <T>(task: () => Promise<T>, order = Number.POSITIVE_INFINITY): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        order,
        arrival: arrivals++,
        start: () => {
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              next();
            });
        },
      };
      // Kept sorted: the queue is at most a few hundred steps long.
      let at = waiting.length;
      while (at > 0 && before(entry, waiting[at - 1] as Waiting)) at--;
      waiting.splice(at, 0, entry);
      next();
    });
}

const before = (
  a: { order: number; arrival: number },
  b: { order: number; arrival: number },
): boolean => a.order < b.order || (a.order === b.order && a.arrival < b.arrival);
