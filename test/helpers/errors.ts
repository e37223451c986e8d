import { expect } from 'vitest';
import { InputError } from '../../src/util/errors.js';

/** The InputError `fn` throws (and fail the test when it throws anything else or nothing). */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}
