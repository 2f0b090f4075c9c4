/**
 * One writer per knowledge-base folder. A save holds `<dir>/.lock`, a small JSON file created
 * with `open(path, 'wx')` (exclusive: exactly one creator wins) that names the holder: pid,
 * host, start time, a random token and the generation it is writing. Other writers wait a
 * bounded time, then fail with `KB_LOCKED` naming the holder. Readers never lock (a base on disk
 * is immutable once its manifest names it).
 *
 * A lock is stale when its holder is provably gone (its pid is not alive on this host, or it is
 * this process's pid but no save of this process holds it) or when it has not been refreshed for
 * `staleMs` (the holder refreshes its mtime every few seconds, so this bound only matters for a
 * holder on another host, or a pid that was reused). A stale lock is taken over atomically: the
 * taker writes its own lock to `<dir>/.lock.takeover` (itself created with `wx`, so takeovers are
 * serialised) and renames it over `.lock` only if `.lock` still holds the same stale content.
 * The taker learns the dead holder's generation, so the save can remove that partial folder.
 *
 * Why not the `proper-lockfile` package (on the registry, well used): its lock is a bare
 * `mkdir` whose staleness is judged only by an mtime heartbeat driven by the event loop, so a
 * long synchronous hnswlib write or a CPU-bound build can let a live holder's lock be stolen; it
 * records no holder, so the error could not say who holds the base; and it would add three
 * dependencies for about a hundred lines.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises'
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions } from '../schema.js'
import { faultPoint } from './fsio.js'

/** The lock file of a knowledge-base folder. */
export const LOCK_FILE = '.lock'
/** The file a stale lock is taken over through (see the module comment). */
export const TAKEOVER_FILE = '.lock.takeover'

/** How often a holder refreshes its lock's mtime. */
const HEARTBEAT_MS = 5_000
/** A lock file that is empty or unreadable this long after its last change is a crashed creation. */
const UNREADABLE_GRACE_MS = 5_000

/** Options of {@link acquireWriteLock} (and of a save): how long to wait for another writer, and when a lock is stale. */
export const LockOptionsSchema = z.strictObject({
  /** How long to wait for another writer, in ms (0: do not wait). */
  lockTimeoutMs: z.number().int().min(0).max(24 * 3_600_000).default(5_000),
  /** Age (since its last refresh) after which a lock is stale whoever holds it, in ms. */
  staleLockMs: z.number().int().min(1_000).max(7 * 24 * 3_600_000).default(10 * 60_000),
})
/** Options of {@link acquireWriteLock} as a caller writes them. */
export type LockOptions = z.input<typeof LockOptionsSchema>
/** The default lock options. */
export const DEFAULT_LOCK_OPTIONS = LockOptionsSchema.parse({})

const HolderSchema = z.object({
  tool: z.literal('kotae'),
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  token: z.string(),
  generation: z.string(),
})
/** Who holds a lock, as its file says. */
export type LockHolder = z.infer<typeof HolderSchema>

/** A held writer lock. */
export interface WriteLock {
  /** The holder written into the lock file (this process). */
  readonly holder: LockHolder
  /** The holder of a stale lock this one replaced (its `generation` may be a partial folder to remove), or null. */
  readonly recovered: LockHolder | null
  /** Throw `KB_LOCKED` if the lock file no longer holds this lock (it was judged stale and taken over). */
  assertHeld(): Promise<void>
  /** Remove the lock (only if it is still this one). Never throws. */
  release(): Promise<void>
}

/** Tokens of the locks this process holds, to tell its own live locks from a dead process that had the same pid. */
const heldTokens = new Set<string>()

function parseHolder(raw: string): LockHolder | null {
  try {
    const parsed = HolderSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

interface Observed {
  raw: string
  holder: LockHolder | null
  mtimeMs: number
}

/** Read a lock file; null when it does not exist. */
async function observe(path: string): Promise<Observed | null> {
  try {
    const [raw, s] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    return { raw, holder: parseHolder(raw), mtimeMs: s.mtimeMs }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Why a lock is stale, or null while its holder may still be working. */
function staleness(lock: Observed, staleMs: number): string | null {
  const age = Date.now() - lock.mtimeMs
  if (!lock.holder) return age > UNREADABLE_GRACE_MS ? 'its file is unreadable (a writer died while creating it)' : null
  const { pid, hostname: host, token } = lock.holder
  if (host === hostname()) {
    if (pid === process.pid && !heldTokens.has(token)) return `it names this process's pid ${pid}, which holds no such lock (an earlier process with the same pid died)`
    if (pid !== process.pid && !pidAlive(pid)) return `its holder, pid ${pid}, is no longer running`
  }
  if (age > staleMs) return `it was last refreshed ${Math.round(age / 1000)} s ago (more than ${Math.round(staleMs / 1000)} s)`
  return null
}

function describeHolder(holder: LockHolder | null, mtimeMs: number): string {
  if (!holder) return `an unknown writer (unreadable lock file, changed ${new Date(mtimeMs).toISOString()})`
  const since = Math.max(0, Math.round((Date.now() - Date.parse(holder.startedAt)) / 1000))
  return `pid ${holder.pid} on host ${holder.hostname}, since ${holder.startedAt} (${since} s ago)`
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    // A lock we could not write (disk full) must not be left behind empty.
    await handle.close().catch(() => undefined)
    await unlinkQuietly(path)
    throw error
  }
  await handle.close()
  return true
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Try to replace a stale lock (as observed) with ours, atomically. Returns true when ours is now
 * the lock; false when someone else changed it first (the caller looks again).
 */
async function takeOver(dir: string, stale: Observed, content: string, staleMs: number): Promise<boolean> {
  const lockPath = join(dir, LOCK_FILE)
  const guardPath = join(dir, TAKEOVER_FILE)
  if (!(await createExclusive(guardPath, content))) {
    // Another writer is taking over right now, or died doing it.
    const guard = await observe(guardPath)
    if (guard && staleness(guard, staleMs) !== null) await unlinkQuietly(guardPath)
    return false
  }
  let renamed = false
  try {
    const now = await observe(lockPath)
    if (!now || now.raw !== stale.raw) return false
    await rename(guardPath, lockPath)
    renamed = true
    return true
  } finally {
    if (!renamed) await unlinkQuietly(guardPath)
  }
}

/**
 * Take the writer lock of `dir` for a save that will write `generation`: wait up to
 * `lockTimeoutMs` for another writer, take over a stale lock, and throw `KB_LOCKED` (naming the
 * holder and what to do) when the wait runs out. Other failures (permission, full disk) are
 * thrown as they are, for the caller to describe.
 */
export async function acquireWriteLock(dir: string, generation: string, options: LockOptions = {}): Promise<WriteLock> {
  const { lockTimeoutMs: timeoutMs, staleLockMs: staleMs } = parseOptions(LockOptionsSchema, options, 'lock')
  const lockPath = join(dir, LOCK_FILE)
  const holder: LockHolder = { tool: 'kotae', pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex'), generation }
  const content = JSON.stringify(holder) + '\n'
  const started = Date.now()
  let pause = 20
  let recovered: LockHolder | null = null
  heldTokens.add(holder.token)
  try {
    for (;;) {
      await faultPoint('lock', lockPath)
      if (await createExclusive(lockPath, content)) break
      const current = await observe(lockPath)
      if (!current) continue // released between our attempt and our look: try again at once
      const waited = Date.now() - started
      const locked = () =>
        createError('KB_LOCKED', {
          dir,
          lockFile: lockPath,
          reason:
            `it is being saved by another kotae writer: ${describeHolder(current.holder, current.mtimeMs)} (lock file ${lockPath}). ` +
            `Waited ${(waited / 1000).toFixed(1)} s. Let that build finish and save again, or wait longer (save option lockTimeoutMs, CLI --lock-timeout); ` +
            `if that process is gone (for instance it ran on another machine that crashed), delete ${lockPath}`,
          holder: current.holder,
          waitedMs: waited,
        })
      if (staleness(current, staleMs) !== null) {
        if (await takeOver(dir, current, content, staleMs)) {
          recovered = current.holder
          break
        }
        // Another writer is taking it over: look again shortly (bounded, in case takeovers keep failing).
        if (waited >= timeoutMs + UNREADABLE_GRACE_MS) throw locked()
        await sleep(10)
        continue
      }
      if (waited >= timeoutMs) throw locked()
      await sleep(Math.min(pause * (0.5 + Math.random()), timeoutMs - waited))
      pause = Math.min(pause * 1.5, 250)
    }
  } catch (error) {
    heldTokens.delete(holder.token)
    throw error
  }
  const heartbeat = setInterval(() => {
    const now = new Date()
    utimes(lockPath, now, now).catch(() => undefined)
  }, HEARTBEAT_MS)
  heartbeat.unref()
  let released = false
  return {
    holder,
    recovered,
    async assertHeld() {
      const now = await observe(lockPath)
      if (now?.holder?.token === holder.token) return
      throw createError('KB_LOCKED', {
        dir,
        lockFile: lockPath,
        reason: `the lock was taken over while this save was running (${now ? `now held by ${describeHolder(now.holder, now.mtimeMs)}` : 'the lock file was removed'}); nothing was changed by this save: save again`,
        holder: now?.holder ?? null,
      })
    },
    async release() {
      if (released) return
      released = true
      clearInterval(heartbeat)
      heldTokens.delete(holder.token)
      try {
        const now = await observe(lockPath)
        if (now?.holder?.token === holder.token) await unlink(lockPath)
      } catch {
        // Best effort: a lock left behind is stale (dead pid) and is taken over by the next writer.
      }
    },
  }
}
