/// <reference types="@headerforge/vite/client" />
// Type-checked by `npm run lint` (tsconfig.check.json): the shipped client types describe
// what the virtual module really exports.
import { getHeader, type Header, headers } from 'virtual:headerforge';

const first: Header | undefined =
  getHeader('posts/hello.md') ?? getHeader({ filePath: 'posts/hello.md' });
const sources: string[] = Object.values(headers).flatMap((header) => [
  header.src,
  header.srcset.avif ?? '',
  header.og?.src ?? '',
]);
export const usage = {
  first,
  sources,
  placeholder: first?.placeholder,
  isPlaceholder: first?.isPlaceholder,
};
