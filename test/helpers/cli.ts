/** Running the real `kotae` command from the tests, the way a user types it (through tsx, so no build is needed). */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

/** The repository root. */
export const ROOT = join(import.meta.dirname, '../..')

/** What one run of the command gave. */
export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Run `kotae <args>` from the repository root and collect its exit code and output. */
export function kotae(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

/**
 * A fresh temp folder for a test file, removed after all its tests (call at the top level of the
 * file: it registers the `afterAll`). Returns a function giving the folder's path once created.
 */
export function tempFolder(prefix: string): () => string {
  let dir: string | undefined
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix))
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    if (!dir) throw new Error('tempFolder: the folder exists only inside the tests (beforeAll has not run)')
    return dir
  }
}

/** Build the first 16 mini-FAQ entries with the built-in embedder and save them in `dir` (in-process: faster than `kotae build`). */
export async function saveMiniBase(dir: string): Promise<void> {
  const { buildKnowledgeBase } = await import('../../src/index.js')
  const { MINI_FAQ } = await import('../fixtures/mini-faq.js')
  await (await buildKnowledgeBase(MINI_FAQ.slice(0, 16))).save(dir)
}
