/**
 * A client's condition on the version of what it changes (HTTP's If-Match, parsed by the http layer,
 * shared/http/etag.ts). The app checks it against the version it has just read, without knowing how
 * the client spelled it; `asked` and `nameOf` only word the refusal the way the client would.
 */
export interface VersionPrecondition {
  /** Whether the entity at this version is one the client's condition names. */
  accepts(version: number): boolean;
  /** The condition as the client gave it. */
  asked: string;
  /** A version as the client names it. */
  nameOf(version: number): string;
}
