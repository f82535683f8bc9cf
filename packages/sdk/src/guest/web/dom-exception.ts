/**
 * A minimal `DOMException` (QuickJS has none): `structuredClone` and `crypto` throw the same
 * error names as the Web APIs (`DataCloneError`, `TypeMismatchError`, `QuotaExceededError`).
 */
const LEGACY_CODES: Record<string, number> = {
  IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
  URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, DataCloneError: 25,
};

export class DOMExceptionImpl extends Error {
  override name: string;
  constructor(message = "", name = "Error") {
    super(message);
    this.name = name;
  }
  get code(): number {
    return LEGACY_CODES[this.name] ?? 0;
  }
}
