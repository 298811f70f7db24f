export {
  HeaderforgeError,
  type HeaderforgeErrorCode,
  type HeaderforgeErrorOptions,
  isHeaderforgeError,
} from './errors.js';
export * from './openrouter/index.js';
