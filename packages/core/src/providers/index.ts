export { createOpenRouterProvider } from './openrouter.js';
export { createPlaceholderProvider } from './placeholder.js';
export { type PlaceholderArtRequest, renderPlaceholderArt } from './placeholder-art.js';
export type { ProvidedImage, Provider } from './provider.js';
