import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Where `target` leads when it leaves the project root, or undefined when it stays inside it
 * (or inside a folder `allowed` names). It leaves through `..` or an absolute path elsewhere
 * (`path` says so), or through a symlink on the way (`symlink`: the real path it leads to).
 * Paths that do not exist yet are judged by their nearest existing folder.
 */
export function outsideRoot(
  root: string,
  target: string,
  allowed: readonly string[] = [],
): { through: 'path' | 'symlink'; real: string } | undefined {
  const absolute = path.resolve(root, target);
  const folders = allowed.map((folder) => path.resolve(root, folder));
  const within = (candidate: string, folder: string) => {
    const relative = path.relative(folder, candidate);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const allowedFor = (candidate: string, real: boolean) =>
    [root, ...folders].some((folder) => within(candidate, real ? realOf(folder) : folder));
  if (!allowedFor(absolute, false)) return { through: 'path', real: absolute };
  const real = realOf(absolute);
  if (!allowedFor(real, true)) return { through: 'symlink', real };
  return undefined;
}

/** The real path of `target`: of its nearest existing folder, the rest appended as written. */
function realOf(target: string): string {
  const rest: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    try {
      return path.join(realpathSync(current), ...rest.reverse());
    } catch {
      if (path.dirname(current) === current) return target;
      rest.push(path.basename(current));
    }
  }
}
