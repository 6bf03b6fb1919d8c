import { expect } from 'vitest';
import { UpstreamError } from '../../src/upstreams/errors.ts';

/** The UpstreamError a call fails with; fails the test if it succeeds or fails another way. */
export async function upstreamFailure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}
