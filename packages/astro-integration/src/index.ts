// Skeleton until the Astro issue lands: the package builds and resolves, and the
// integration registers under its name without hooks.
export interface HeaderforgeAstroIntegration {
  name: string;
  hooks: Record<string, never>;
}

export default function headerforge(): HeaderforgeAstroIntegration {
  return { name: '@headerforge/astro', hooks: {} };
}
