/**
 * Temp folders for tests, removed after the tests that made them: {@link tempDir} registers
 * each folder it makes, {@link removeTempDirs} removes them all. No vitest import here (so a
 * bench may use it too): each test file registers `afterAll(removeTempDirs)` itself.
 *
 * Name the prefix after the test file (kotae-kb-store-, kotae-tiny-model-): a folder left
 * behind is reported by test/global-setup.ts with the file whose source holds its prefix.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []

/** A fresh folder in the temp directory, named `prefix` + 6 random characters; removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'kotae-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Remove one folder (and everything in it) now; it is no longer removed by {@link removeTempDirs}. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  const i = made.indexOf(dir)
  if (i >= 0) made.splice(i, 1)
}

/** Remove every folder {@link tempDir} made and has not removed yet (register with `afterAll(removeTempDirs)`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
