/**
 * The knowledge-base store's file-system layer: durable writes (fsync of the file, then of the
 * folder that names it), read-back verification of what landed on disk, and the translation of
 * Node's errno failures (ENOSPC, EACCES, ENOENT...) into a cause and an action a person can
 * follow. Every write of `store.ts` goes through here, which also makes this the one place a test
 * can inject a fault (see {@link injectFaultsForTesting}).
 */
import { createHash } from 'node:crypto'
import { open, readFile, statfs } from 'node:fs/promises'

/** The points of a save where {@link injectFaultsForTesting} can make the file system fail. */
export type FaultPoint =
  /** Creating a folder (the knowledge-base folder or a generation). */
  | 'mkdir'
  /** Writing one file (before it is opened). */
  | 'write'
  /** Between writing a file and reading it back (a hook can damage the file here). */
  | 'verify'
  /** Just after hnswlib wrote `vectors.hnsw` (hnswlib reports no write error of its own). */
  | 'hnsw'
  /** Renaming the new manifest over `manifest.json` (the commit point). */
  | 'rename'
  /** Fsyncing a folder. */
  | 'sync-dir'
  /** Creating the writer lock. */
  | 'lock'

/** A fault hook: throw (e.g. {@link errnoError}) to make the operation at `point` on `path` fail. */
export type FaultHook = (point: FaultPoint, path: string) => void | Promise<void>

let faultHook: FaultHook | null = null

/**
 * TEST SEAM, not part of the public API: install a hook that runs before each file-system step
 * of a save (`null` removes it). Tests and bench/faults.ts use it to produce ENOSPC, EACCES or
 * ENOENT at a chosen point, or to truncate a file the way a full disk does, without needing a
 * full disk or a non-root user. Production code never installs one.
 */
export function injectFaultsForTesting(hook: FaultHook | null): void {
  faultHook = hook
}

/** Run the installed fault hook, if any (see {@link injectFaultsForTesting}). */
export async function faultPoint(point: FaultPoint, path: string): Promise<void> {
  if (faultHook) await faultHook(point, path)
}

/** An error shaped like Node's own errno errors (`code`, `syscall`, `path`), for fault hooks. */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EACCES: 'permission denied', EPERM: 'operation not permitted', ENOENT: 'no such file or directory', EIO: 'i/o error' }
  return Object.assign(new Error(`${code}: ${messages[code] ?? 'failed'}, ${syscall} '${path}'`), { code, syscall, path })
}

/** SHA-256 of a buffer, hex. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** What was on disk after a write was not what was written (a full disk that truncated silently, a bad device). */
export class VerifyError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`)
    this.name = 'VerifyError'
  }
}

/**
 * Write a new file (`wx`: never over an existing one), fsync it, then read it back and check its
 * size and SHA-256 against `data`. The folder entry is made durable by a later {@link syncDir}.
 */
export async function writeVerified(path: string, data: Buffer): Promise<void> {
  await faultPoint('write', path)
  const handle = await open(path, 'wx')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await faultPoint('verify', path)
  const back = await readFile(path)
  if (back.length !== data.length) throw new VerifyError(path, `${back.length} bytes on disk after writing ${data.length}`)
  if (sha256(back) !== sha256(data)) throw new VerifyError(path, `the bytes on disk differ from the bytes written (same size, ${data.length} bytes)`)
}

/** Fsync a file that something else (hnswlib) wrote, so that it is on disk before the manifest names it. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Fsync a folder, making the entries created, renamed or removed in it durable (a rename is
 * only crash-safe once its folder is synced). A no-op on Windows, which cannot open folders.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  await faultPoint('sync-dir', dir)
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A failed file-system step, in words: the cause and what the person can do about it. */
export interface FsFailure {
  /** The errno code when there is one (`ENOSPC`...), else `VERIFY` for a read-back mismatch. */
  code: string
  /** What happened, e.g. "the disk is full (ENOSPC; 1.2 MB free)". */
  cause: string
  /** What to do about it. */
  advice: string
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`
}

/** Free space on the file system holding `path`, or null when it cannot be read. */
export async function freeBytes(path: string): Promise<number | null> {
  try {
    const s = await statfs(path)
    return Number(s.bavail) * Number(s.bsize)
  } catch {
    return null
  }
}

/** Describe a file-system error (Node errno error or {@link VerifyError}) as a cause and advice; `near` is a folder on the same disk, for the free space. */
export async function describeFsError(error: unknown, near: string): Promise<FsFailure> {
  if (error instanceof VerifyError) {
    const free = await freeBytes(near)
    return {
      code: 'VERIFY',
      cause: `the file on disk is not what was written: ${error.detail}${free !== null ? ` (${megabytes(free)} free on that disk)` : ''}`,
      advice: 'this usually means the disk is full or failing: free some space (or save to another disk) and save again',
    }
  }
  const e = error as NodeJS.ErrnoException
  const code = typeof e?.code === 'string' ? e.code : 'UNKNOWN'
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT': {
      const free = await freeBytes(near)
      const what = code === 'ENOSPC' ? 'the disk is full' : 'the disk quota is exhausted'
      return { code, cause: `${what} (${code}${free !== null ? `; ${megabytes(free)} free` : ''})`, advice: 'free some space (or save to a folder on another disk) and save again' }
    }
    case 'EACCES':
    case 'EPERM':
      return { code, cause: `permission denied (${code})`, advice: 'check that this user may write to the folder (its owner and mode), or save to another folder' }
    case 'EROFS':
      return { code, cause: 'the file system is read-only (EROFS)', advice: 'save to a folder on a writable disk' }
    case 'ENOENT':
      return { code, cause: 'a folder on the path does not exist (ENOENT); it may have been removed or renamed during the save', advice: 'check the path and that nothing removes the folder while kotae saves, then save again' }
    case 'ENOTDIR':
      return { code, cause: 'a part of the path is a file, not a folder (ENOTDIR)', advice: 'pick a path whose parents are folders' }
    case 'EMFILE':
    case 'ENFILE':
      return { code, cause: `too many open files (${code})`, advice: 'close other programs or raise the open-file limit (ulimit -n), then save again' }
    case 'EIO':
      return { code, cause: 'an input/output error (EIO): the disk may be failing', advice: 'check the disk, or save to another one' }
    default:
      return { code, cause: `${code}: ${e?.message ?? String(error)}`, advice: 'fix the cause and save again' }
  }
}
