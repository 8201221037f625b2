/**
 * Typed failures to open the buffer. The buffer never deletes or moves a file it cannot read: the
 * agent decides (move it aside and start empty, or refuse to start), so the error names the path.
 */

export type BufferOpenFailure =
  /** The file is not an SQLite database, or its pages are damaged. */
  | 'corrupt'
  /** Written by a newer ev-edge (schema_version above what this build understands). */
  | 'newer_schema'
  /** An SQLite database, but not an ev-edge buffer (tables and no buffer_meta). */
  | 'foreign'
  /** Read-only open of a file that does not exist. */
  | 'missing'
  /** Anything else: permissions, disk, locking. */
  | 'io';

export class BufferOpenError extends Error {
  readonly code = 'EV_EDGE_BUFFER_OPEN';

  constructor(
    readonly path: string,
    readonly reason: BufferOpenFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`buffer ${path}: ${detail}`, options);
    this.name = 'BufferOpenError';
  }
}

/** SQLite result codes that mean the bytes on disk are not a usable database. */
const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/** Wraps whatever opening threw into a BufferOpenError (kept as the cause). */
export function openFailure(path: string, err: unknown): BufferOpenError {
  if (err instanceof BufferOpenError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && CORRUPT_CODES.has(code)) {
    return new BufferOpenError(path, 'corrupt', `not a usable SQLite database (${code}: ${message})`, { cause: err });
  }
  return new BufferOpenError(path, 'io', `cannot open (${String(code ?? 'error')}: ${message})`, { cause: err });
}

/** Mutating call on a buffer opened with readOnly: a programming error, not a runtime condition. */
export class BufferReadOnlyError extends Error {
  readonly code = 'EV_EDGE_BUFFER_READONLY';
  constructor(readonly path: string, operation: string) {
    super(`buffer ${path}: ${operation} on a buffer opened read-only`);
    this.name = 'BufferReadOnlyError';
  }
}
