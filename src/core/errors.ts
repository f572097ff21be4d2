/**
 * Error raised when a user-supplied value is outside its allowed range.
 * The message names the field, the rejected value and what is allowed, so the
 * page, the command line and the tests can all show it unchanged.
 */
export class ValidationError extends Error {
  /** Path of the invalid field, for example `init.f0`. */
  readonly field: string;
  /** The rejected value as it was given. */
  readonly value: unknown;
  /** Human-readable description of the allowed values. */
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    super(`Invalid ${field}: ${formatValue(value)}. Expected ${allowed}.`);
    this.name = 'ValidationError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

/**
 * Error raised when an internal assumption does not hold. It signals a bug in
 * eos-atlas, never bad user input (that is a {@link ValidationError}).
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`Invariant failed: ${message}`);
    this.name = 'InvariantError';
  }
}

/** Throws an {@link InvariantError} with `message` unless `condition` holds. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new InvariantError(message);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
