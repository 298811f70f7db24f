// Skeleton until the Vite issue lands: the package builds and resolves, and the plugin
// says plainly that it does nothing yet instead of pretending to.
export interface HeaderforgeVitePlugin {
  name: string;
  enforce: 'pre';
}

export default function headerforge(): HeaderforgeVitePlugin {
  return { name: 'headerforge', enforce: 'pre' };
}
