/** Marks option handles, so matchers recognise them without importing the API module. */
export const NIXCHECK_HANDLE: unique symbol = Symbol.for('nixcheck.handle') as never;

export function isOptionHandle<T>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[NIXCHECK_HANDLE] === true;
}
