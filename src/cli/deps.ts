/**
 * What the content-team commands (`report`, `suggest`, `prune`, `feedback`) take from outside,
 * injectable so tests run them in-process with a fixed clock and captured output, and the
 * strict way they open an existing hit log.
 */
import { existsSync } from 'node:fs'
import { createError } from '../errors.js'
import { openHitLog, resolveHitLogPath, type HitLog } from '../ops/index.js'
import { engineFunctions, type KnowledgeBaseFunctions } from '../ops/suggest.js'

/** Injectable dependencies (tests, or main.ts passing its embedder-aware loader). */
export interface OpsCommandDeps {
  /** Engine functions; default: the real engine (built-in embedder unless the loader is replaced). */
  engine?: KnowledgeBaseFunctions
  /** Where text output goes (default: console.log). */
  out?: (text: string) => void
  /** Clock (ms) for the end of report windows (default: Date.now). */
  now?: () => number
}

/** {@link OpsCommandDeps} with every default filled in. */
export interface ResolvedOpsDeps {
  engine: () => Promise<KnowledgeBaseFunctions>
  out: (text: string) => void
  now: () => number
}

/** Fill in the defaults of {@link OpsCommandDeps}. */
export function resolveOpsDeps(deps: OpsCommandDeps = {}): ResolvedOpsDeps {
  return {
    engine: async () => deps.engine ?? (await engineFunctions()),
    out: deps.out ?? ((s: string) => console.log(s)),
    now: deps.now ?? Date.now,
  }
}

/** Open an existing log strictly: reports must not silently create an empty file. */
export function openExistingLog(kbDir: string, logPath: string | undefined): HitLog {
  const path = logPath ?? resolveHitLogPath(kbDir)
  const file = logPath ? path : existsSync(kbDir) ? path : undefined
  if (!file || !existsSync(file)) {
    throw createError('LOG_NOT_FOUND', {
      path: file ?? resolveHitLogPath(kbDir),
      hint: 'attach one to the knowledge base (openHitLog + kb.useLogger, or kotae ask --log) so questions are recorded, or pass --log <file>',
    })
  }
  return openHitLog(file, { strict: true })
}
