/**
 * Shared by the knowledge-base store tests (test/kb/): temp folders (test/helpers/tmp.ts), a small base, what a user
 * sees of its answers, the folder's generations, and catching a KotaeError.
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { BuiltinEmbedder, buildKnowledgeBase, KotaeError, type AskResult, type KnowledgeBase } from '../../src/index.js'
import { MINI_FAQ, MINI_QUERIES } from '../fixtures/mini-faq.js'
import { removeTempDir, removeTempDirs, tempDir as makeTempDir } from '../helpers/tmp.js'

/** A fresh temp folder (default prefix kotae-kb-), removed by `afterAll(removeTempDirs)` or now by {@link removeTemp}. */
export function tempDir(prefix = 'kotae-kb-'): string {
  return makeTempDir(prefix)
}

/** Remove a temp folder and everything in it now. */
export const removeTemp = removeTempDir

export { removeTempDirs }

/** Build the mini FAQ base (or its first `entries` entries) with the built-in embedder. */
export function miniBase(entries = MINI_FAQ.length, dimension = 128): Promise<KnowledgeBase> {
  return buildKnowledgeBase(MINI_FAQ.slice(0, entries), { embedder: new BuiltinEmbedder({ dimension }) })
}

const QUESTIONS = [...MINI_QUERIES.map((q) => q.query).slice(0, 12), '配送料', 'help']

/** What a user sees of a base's answers to a dozen questions: ranking, confidences, decisions. */
export async function views(base: KnowledgeBase) {
  const view = (r: AskResult) => ({ decision: r.decision, answer: r.answer, candidates: r.candidates.map((c) => [c.id, c.score, c.confidence]) })
  const out = []
  for (const q of QUESTIONS) out.push(view(await base.ask(q)))
  return out
}

/** The generation-like folders (`gen-*`) in a knowledge-base folder, sorted. */
export function generations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('gen-'))
    .map((e) => e.name)
    .sort()
}

/** Run `action`, expect it to throw a KotaeError, and return it. */
export async function kotaeError(action: () => Promise<unknown>): Promise<KotaeError> {
  try {
    await action()
  } catch (error) {
    expect(error).toBeInstanceOf(KotaeError)
    return error as KotaeError
  }
  throw new Error('expected a KotaeError')
}

/** The pid of a process that has exited (what a killed writer's lock names). */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

const ROOT = join(import.meta.dirname, '..', '..')
/** The built CLI the tests run (`npm run build` writes it). */
export const CLI = join(ROOT, 'dist/cli/main.js')

/**
 * Make sure dist/ holds the current sources (the CLI tests run `node dist/cli/main.js` as a
 * user does): rebuild with `npm run build` when a file under src/ is newer than its build.
 */
export function ensureBuiltCli(): void {
  const sources = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((name) => name.endsWith('.ts'))
  const stale = (names: string[]) =>
    names.some((name) => {
      const built = join(ROOT, 'dist', name.replace(/\.ts$/, '.js'))
      return !existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src', name)).mtimeMs
    })
  if (!stale(sources)) return
  spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' })
  // A file edited while tsc ran may still look newer; the store's own files and the CLI must not.
  if (stale(sources.filter((name) => name.startsWith('kb') || name.startsWith('cli')))) throw new Error('dist/ is older than src/ and `npm run build` did not update it: run it and look at its errors')
}

/** What a CLI run gives back. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the built CLI (asynchronously, so that several can run at once). */
export function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** Write FAQ entries as a JSONL file the CLI can build from. */
export function writeFaq(path: string, entries: unknown[]): string {
  writeFileSync(path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n')
  return path
}
