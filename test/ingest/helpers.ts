/** Shared helpers of the ingest tests. */
import { expect } from 'vitest'
import { KotaeError } from '../../src/errors.js'

/** The KotaeError a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<KotaeError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(KotaeError)
    return err as KotaeError
  }
  throw new Error('expected a rejection')
}
