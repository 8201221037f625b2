/** The crash-safe SQLite record buffer: see buffer.ts for its design and invariants. */
export { RecordBuffer, BUFFER_FILE_NAME, DEAD_LETTER_KEEP, BufferOpenError, BufferReadOnlyError } from './buffer.js';
export type { BufferOpenFailure } from './errors.js';
export type * from './types.js';
