/** Every error code `@merklekv/merkle` throws. */
export const MerkleErrorCode = {
  /** The two trees were built with different parameters (fanout, depth, hash). */
  SHAPE_MISMATCH: 'SHAPE_MISMATCH',
  /** A shape or shape id that this package cannot build. */
  INVALID_SHAPE: 'INVALID_SHAPE',
  /** A tree path with the wrong length or an index outside `[0, fanout)`. */
  INVALID_PATH: 'INVALID_PATH',
  /** A version digest that is not 16 bytes long. */
  INVALID_DIGEST: 'INVALID_DIGEST',
  /** A version field that cannot be encoded (e.g. a ts that is not a safe non-negative integer). */
  INVALID_VERSION: 'INVALID_VERSION',
  /** An insert (`oldDigest = null`) of a key that the tree already holds. */
  KEY_EXISTS: 'KEY_EXISTS',
  /** A replace or remove of a key that the tree does not hold. */
  KEY_MISSING: 'KEY_MISSING',
  /** `localTree`'s `digestOf` had no digest for a key the tree holds. */
  MISSING_DIGEST: 'MISSING_DIGEST',
  /** A `RemoteTree` answered something malformed (wrong number of children, ...). */
  INVALID_REPLY: 'INVALID_REPLY',
  /** A hash width outside 1..16 bytes. */
  INVALID_WIDTH: 'INVALID_WIDTH',
} as const;

export type MerkleErrorCode = (typeof MerkleErrorCode)[keyof typeof MerkleErrorCode];

/** The one error class of `@merklekv/merkle`; `code` says what went wrong. */
export class MerkleError extends Error {
  readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MerkleError';
    this.code = code;
  }
}
