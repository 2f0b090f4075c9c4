/**
 * Knowledge-base generations in a PostgreSQL store: a content team publishes a saved base
 * (`kotae publish <kb> --store postgres://…`), and every replica fetches it into a local cache
 * folder and loads it into its in-process indexes (the fast path stays local).
 *
 * A publish reads the saved folder's current generation, verifies every file against the
 * manifest's SHA-256 before connecting (a damaged base is never published), then in one
 * transaction, under an advisory lock (publishers take turns): inserts the generation and its
 * files, points `kotae_current_generation` at it, sends `NOTIFY kotae_generation, '<name>'`
 * (delivered only when the transaction commits) and deletes the generations beyond the last
 * `keep`. Publishing the current generation again changes nothing; publishing one the store
 * still holds makes it current again (a rollback).
 *
 * A fetch writes a generation as a loadable knowledge-base folder, `<cacheDir>/<name>/`
 * (`manifest.json` + the generation folder): into a temp folder first, each file checked against
 * the manifest's SHA-256 and fsynced, then renamed into place, so a folder with a generation's
 * name is always complete. A complete folder is reused; the cache keeps the newest few.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { createError, KotaeError } from '../errors.js'
import { describeFsError, sha256, syncDir, writeVerified } from '../kb/fsio.js'
import { describeIssues, GENERATION_NAME, KB_FORMAT_VERSION, ManifestSchema, partsProblems, type Manifest } from '../kb/manifest.js'
import { readSavedGeneration } from '../kb/store.js'
import { parseOptions } from '../schema.js'
import { openPostgres, storeError, type PostgresDatabase } from './connect.js'
import { GENERATION_CHANNEL } from './migrations.js'

/** Advisory-lock key publishers take in their transaction (any constant, not the migrations' key). */
const PUBLISH_LOCK = 0x6b6f7462

/** Options of {@link publishGeneration}. */
export const PublishOptionsSchema = z.strictObject({
  /**
   * How many generations the store keeps: the one made current, the one it replaces (so a
   * rollback is one command away), then the newest published; older ones are deleted in the
   * same transaction.
   */
  keep: z.number().int().min(1).max(1000).default(8),
})
/** Options of {@link publishGeneration} (see {@link PublishOptionsSchema}). */
export type PublishOptions = z.input<typeof PublishOptionsSchema>
/** The defaults of {@link PublishOptionsSchema}. */
export const DEFAULT_PUBLISH_OPTIONS = Object.freeze(PublishOptionsSchema.parse({}))

/** What {@link publishGeneration} did. */
export interface PublishResult {
  /** The generation now current (`gen-<time>-<hex>`). */
  generation: string
  /** Files of the generation. */
  files: number
  /** Their total size, bytes. */
  bytes: number
  /**
   * `published`: a new generation, now current; `reactivated`: one the store held, current
   * again (a rollback); `already-current`: it was current already, nothing was written or sent.
   */
  outcome: 'published' | 'reactivated' | 'already-current'
  /** Generations deleted to keep {@link PublishOptionsSchema.keep}. */
  removed: string[]
}

/** The generation `kotae_current_generation` names, or null when nothing was published yet. */
export async function currentGeneration(db: PostgresDatabase): Promise<string | null> {
  try {
    const { rows } = await db.pool.query<{ name: string }>('SELECT name FROM kotae_current_generation')
    return rows[0]?.name ?? null
  } catch (error) {
    throw storeError(db.description, 'read the current generation', error)
  }
}

/** The generations a store holds, newest first, and which one is current. */
export async function listGenerations(db: PostgresDatabase): Promise<Array<{ name: string; createdAt: Date; bytes: number; current: boolean }>> {
  try {
    const { rows } = await db.pool.query<{ name: string; created_at: Date; bytes: string; current: boolean }>(
      'SELECT g.name, g.created_at, g.bytes, (c.name IS NOT NULL) AS current FROM kotae_generations g LEFT JOIN kotae_current_generation c ON c.name = g.name ORDER BY g.created_at DESC, g.name DESC',
    )
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, bytes: Number(r.bytes), current: r.current }))
  } catch (error) {
    throw storeError(db.description, 'list the generations', error)
  }
}

/** Same files (names, sizes, checksums) in two manifests. */
function sameFiles(a: Manifest['files'], b: Manifest['files']): boolean {
  const key = (files: Manifest['files']) =>
    JSON.stringify(
      Object.entries(files)
        .filter(([, f]) => f !== undefined)
        .map(([name, f]) => [name, f!.sha256, f!.bytes])
        .sort(),
    )
  return key(a) === key(b)
}

/**
 * Publish the current generation of the base saved in `kbDir` to a PostgreSQL store (a URL, or
 * a store already open: it is left open) and make it the one replicas serve (see the module
 * comment). Throws `KB_NOT_FOUND` / `KB_VERSION` / `KB_CORRUPT` for a folder that is not a
 * complete saved base (before connecting: nothing is written), `STORE_UNAVAILABLE` when the
 * store cannot be reached or refuses the transaction (then nothing changed).
 */
export async function publishGeneration(target: string | PostgresDatabase, kbDir: string, options: PublishOptions = {}): Promise<PublishResult> {
  const opts = parseOptions(PublishOptionsSchema, options, 'publishGeneration')
  const { manifest, files } = await readSavedGeneration(kbDir)
  const name = manifest.generation
  const bytes = files.reduce((sum, f) => sum + f.data.length, 0)
  const db = typeof target === 'string' ? await openPostgres(target) : target
  try {
    return await db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK])
      const current = (await client.query<{ name: string }>('SELECT name FROM kotae_current_generation')).rows[0]?.name ?? null
      const existing = (await client.query<{ manifest: Manifest }>('SELECT manifest FROM kotae_generations WHERE name = $1', [name])).rows[0]
      if (existing && !sameFiles(existing.manifest.files ?? {}, manifest.files)) {
        throw createError('KB_CORRUPT', {
          dir: kbDir,
          file: 'manifest.json',
          reason: `names generation ${name}, which ${db.description} already holds with other files: the manifest was edited or copied from another base (save the base again to give it a generation of its own)`,
          field: 'generation',
        })
      }
      const result = { generation: name, files: files.length, bytes, removed: [] as string[] }
      if (existing && current === name) return { ...result, outcome: 'already-current' as const }
      if (!existing) {
        await client.query('INSERT INTO kotae_generations (name, manifest, bytes) VALUES ($1, $2::jsonb, $3)', [name, JSON.stringify(manifest), bytes])
        for (const file of files) {
          await client.query('INSERT INTO kotae_generation_files (generation, name, sha256, data) VALUES ($1, $2, $3, $4)', [name, file.name, file.sha256, file.data])
        }
      }
      await client.query(
        'INSERT INTO kotae_current_generation (singleton, name, updated_at) VALUES (true, $1, now()) ON CONFLICT (singleton) DO UPDATE SET name = EXCLUDED.name, updated_at = now()',
        [name],
      )
      await client.query('SELECT pg_notify($1, $2)', [GENERATION_CHANNEL, name])
      const all = (await client.query<{ name: string }>('SELECT name FROM kotae_generations ORDER BY created_at DESC, name DESC')).rows.map((r) => r.name)
      const kept = [...new Set([name, ...(current ? [current] : []), ...all])].slice(0, opts.keep)
      const removed = all.filter((g) => !kept.includes(g))
      if (removed.length > 0) await client.query('DELETE FROM kotae_generations WHERE name = ANY($1::text[])', [removed])
      return { ...result, removed, outcome: existing ? ('reactivated' as const) : ('published' as const) }
    })
  } catch (error) {
    throw storeError(db.description, `publish generation ${name}`, error)
  } finally {
    if (typeof target === 'string') await db.close().catch(() => {})
  }
}

/** Options of {@link fetchGeneration}. */
export const FetchOptionsSchema = z.strictObject({
  /** Generation folders the cache keeps (the one fetched, then the most recently used). */
  keep: z.number().int().min(1).max(100).default(3),
  /** Generations never removed from the cache (e.g. the one a server is answering from). */
  protect: z.array(z.string()).default([]),
})
/** Options of {@link fetchGeneration} (see {@link FetchOptionsSchema}). */
export type FetchOptions = z.input<typeof FetchOptionsSchema>
/** The defaults of {@link FetchOptionsSchema}. */
export const DEFAULT_FETCH_OPTIONS = Object.freeze(FetchOptionsSchema.parse({}))

/** What {@link fetchGeneration} gives: the generation and the knowledge-base folder holding it. */
export interface FetchedGeneration {
  generation: string
  /** `<cacheDir>/<generation>`: a folder `loadKnowledgeBase` loads. */
  dir: string
  /** Whether it was written now (false: the cache had it complete already). */
  fetched: boolean
}

/** Temp folders of fetches in progress: `.fetch-<generation>-<hex>.tmp`. */
const TEMP_FETCH = /^\.fetch-gen-[0-9a-z]{6,12}-[0-9a-f]{8}-[0-9a-f]{8}\.tmp$/
/** A fetch's temp folder older than this is a leftover of a process that died (removed by the next fetch). */
const STALE_TEMP_MS = 10 * 60_000

/** Whether `dir` holds generation `name` complete: its manifest names it and every file has its size. */
async function isComplete(dir: string, name: string): Promise<boolean> {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')))
    if (!parsed.success || parsed.data.generation !== name) return false
    for (const [file, record] of Object.entries(parsed.data.files)) {
      if (record && (await stat(join(dir, name, file))).size !== record.bytes) return false
    }
    return true
  } catch {
    return false
  }
}

/** A `KB_CORRUPT` error for a generation the store holds (what a replica must not load). */
function corruptInStore(db: PostgresDatabase, name: string, file: string, reason: string): KotaeError {
  return createError('KB_CORRUPT', { dir: `${db.description} (generation ${name})`, file, reason })
}

/** Check a stored manifest the way a load would (version, strict schema, parts, its own name). */
function storedManifest(db: PostgresDatabase, name: string, raw: unknown): Manifest {
  const version = (raw as { formatVersion?: unknown })?.formatVersion
  if (typeof version === 'number' && version !== KB_FORMAT_VERSION) throw createError('KB_VERSION', { dir: `${db.description} (generation ${name})`, version, supported: KB_FORMAT_VERSION })
  const parsed = ManifestSchema.safeParse(raw)
  if (!parsed.success) throw corruptInStore(db, name, 'manifest.json', `is not a valid kotae manifest: ${describeIssues(parsed.error.issues)}`)
  const problems = partsProblems(parsed.data)
  if (problems.length > 0) throw corruptInStore(db, name, 'manifest.json', `is not consistent: ${problems.join('; ')}`)
  if (parsed.data.generation !== name) throw corruptInStore(db, name, 'manifest.json', `names generation ${parsed.data.generation}`)
  return parsed.data
}

/** Remove cached generations beyond the newest `keep` (by last use) except `protect`, and stale temp folders. Best effort. */
async function pruneCache(cacheDir: string, keep: number, protect: string[]): Promise<void> {
  let names: string[]
  try {
    names = await readdir(cacheDir)
  } catch {
    return
  }
  const now = Date.now()
  const generations: Array<{ name: string; mtime: number }> = []
  for (const name of names) {
    const isGeneration = GENERATION_NAME.test(name)
    if (!isGeneration && !TEMP_FETCH.test(name)) continue
    const info = await stat(join(cacheDir, name)).catch(() => null)
    if (!info?.isDirectory()) continue
    if (isGeneration) generations.push({ name, mtime: info.mtimeMs })
    else if (now - info.mtimeMs > STALE_TEMP_MS) await rm(join(cacheDir, name), { recursive: true, force: true }).catch(() => {})
  }
  generations.sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? 1 : -1))
  // The protected generations count towards `keep`; the others fill it newest first.
  let kept = generations.filter((g) => protect.includes(g.name)).length
  for (const g of generations) {
    if (protect.includes(g.name)) continue
    if (kept < keep) kept++
    else await rm(join(cacheDir, g.name), { recursive: true, force: true }).catch(() => {})
  }
}

/**
 * The complete generation folders in a cache folder {@link fetchGeneration} writes, most
 * recently used first: what a replica can answer from when the store is out of reach at start.
 */
export async function cachedGenerations(cacheDir: string): Promise<Array<{ generation: string; dir: string }>> {
  const root = resolve(cacheDir)
  let names: string[]
  try {
    names = await readdir(root)
  } catch {
    return []
  }
  const found: Array<{ generation: string; dir: string; mtime: number }> = []
  for (const name of names) {
    if (!GENERATION_NAME.test(name)) continue
    const dir = join(root, name)
    const info = await stat(dir).catch(() => null)
    if (info?.isDirectory() && (await isComplete(dir, name))) found.push({ generation: name, dir, mtime: info.mtimeMs })
  }
  return found.sort((a, b) => b.mtime - a.mtime || (a.generation < b.generation ? 1 : -1)).map(({ generation, dir }) => ({ generation, dir }))
}

/**
 * Write generation `which` (a name, or `'current'`) of a PostgreSQL store into
 * `<cacheDir>/<name>/` as a knowledge-base folder and return where (see the module comment).
 * Throws `KB_NOT_FOUND` when the store has no such generation (or none published yet),
 * `KB_CORRUPT` / `KB_VERSION` when what it holds is damaged or from another format (nothing is
 * written), `KB_WRITE` when the cache folder cannot be written, `STORE_UNAVAILABLE` when the
 * store cannot be read.
 */
export async function fetchGeneration(db: PostgresDatabase, which: string, cacheDir: string, options: FetchOptions = {}): Promise<FetchedGeneration> {
  const opts = parseOptions(FetchOptionsSchema, options, 'fetchGeneration')
  let name = which
  if (which === 'current') {
    const current = await currentGeneration(db)
    if (!current) throw createError('KB_NOT_FOUND', { dir: db.description, reason: 'no generation has been published to this store yet (publish one with `kotae publish <kb> --store <url>`)' })
    name = current
  }
  if (!GENERATION_NAME.test(name)) {
    throw createError('INVALID_OPTIONS', { where: 'fetchGeneration', problems: [{ path: 'generation', message: `expected 'current' or a generation name (gen-<time>-<hex>), got ${JSON.stringify(name)}` }] })
  }
  const root = resolve(cacheDir)
  const dir = join(root, name)
  const protect = [name, ...opts.protect]
  const step = { what: 'creating the cache folder', path: root }
  try {
    await mkdir(root, { recursive: true })
    if (await isComplete(dir, name)) {
      // Reused: mark it used now, so the cache keeps it among the newest.
      const now = new Date()
      await utimes(dir, now, now).catch(() => {})
      await pruneCache(root, opts.keep, protect)
      return { generation: name, dir, fetched: false }
    }
  } catch (error) {
    throw await cacheFailure(error, root, step)
  }
  const temp = join(root, `.fetch-${name}-${randomBytes(4).toString('hex')}.tmp`)
  try {
    await readIntoFolder(db, name, temp, step)
    step.what = 'renaming the fetched generation into place'
    step.path = dir
    if (existsSync(dir) && !(await isComplete(dir, name))) await rm(dir, { recursive: true, force: true })
    try {
      await rename(temp, dir)
    } catch (error) {
      // Another process sharing the cache renamed the same generation first: use it.
      const code = (error as NodeJS.ErrnoException).code
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await isComplete(dir, name))) throw error
      await rm(temp, { recursive: true, force: true })
    }
    step.what = 'syncing the cache folder'
    step.path = root
    await syncDir(root)
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => {})
    if (error instanceof KotaeError) throw error
    throw await cacheFailure(error, root, step)
  }
  await pruneCache(root, opts.keep, protect)
  return { generation: name, dir, fetched: true }
}

/** A `KB_WRITE` error for the cache folder. */
async function cacheFailure(error: unknown, root: string, step: { what: string; path: string }): Promise<KotaeError> {
  if (error instanceof KotaeError) return error
  const failure = await describeFsError(error, existsSync(root) ? root : join(root, '..'))
  return createError('KB_WRITE', {
    dir: root,
    reason: `${step.what} ${step.path} failed: ${failure.cause}`,
    hint: `${failure.advice}; the generations already in the cache are unchanged`,
    file: step.path,
    step: step.what,
    errno: failure.code,
  }, { cause: error })
}

/**
 * Read generation `name` in one snapshot (REPEATABLE READ: a publisher deleting it meanwhile
 * does not tear it) and write it into `temp` as a knowledge-base folder, file by file, each
 * checked against the manifest, fsynced, then the folder.
 */
async function readIntoFolder(db: PostgresDatabase, name: string, temp: string, step: { what: string; path: string }): Promise<void> {
  let client
  try {
    client = await db.pool.connect()
  } catch (error) {
    throw storeError(db.description, `fetch generation ${name}`, error)
  }
  let inTransaction = false
  let broken: Error | undefined
  try {
    const query = async <R extends Record<string, unknown>>(sql: string, params: unknown[]) => {
      try {
        return (await client.query<R>(sql, params)).rows
      } catch (error) {
        broken = error as Error
        throw storeError(db.description, `fetch generation ${name}`, error)
      }
    }
    await query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', [])
    inTransaction = true
    const row = (await query<{ manifest: unknown }>('SELECT manifest FROM kotae_generations WHERE name = $1', [name]))[0]
    if (!row) throw createError('KB_NOT_FOUND', { dir: db.description, reason: `the store holds no generation ${name} (it may have been deleted to keep the last generations: publish it again)` })
    const manifest = storedManifest(db, name, row.manifest)
    const stored = await query<{ name: string; sha256: string; bytes: number }>('SELECT name, sha256, octet_length(data) AS bytes FROM kotae_generation_files WHERE generation = $1 ORDER BY name', [name])
    const listed = Object.entries(manifest.files).filter(([, f]) => f !== undefined) as Array<[string, { sha256: string; bytes: number }]>
    for (const [file, record] of listed) {
      const found = stored.find((s) => s.name === file)
      if (!found) throw corruptInStore(db, name, file, 'is missing from kotae_generation_files')
      if (found.sha256 !== record.sha256 || Number(found.bytes) !== record.bytes) throw corruptInStore(db, name, file, `is stored with ${found.bytes} bytes, sha256 ${found.sha256.slice(0, 12)}…, but the manifest says ${record.bytes} bytes, sha256 ${record.sha256.slice(0, 12)}…`)
    }
    const extra = stored.filter((s) => !listed.some(([file]) => file === s.name))
    if (extra.length > 0) throw corruptInStore(db, name, extra[0]!.name, 'is stored but not listed in the manifest')

    const genDir = join(temp, name)
    step.what = 'creating the folder'
    step.path = genDir
    await mkdir(genDir, { recursive: true })
    // One round trip for every file: on a busy replica each query waits behind the requests in
    // flight, so a dozen queries made a reload take many times longer than the transfer itself.
    const contents = new Map((await query<{ name: string; data: Buffer }>('SELECT name, data FROM kotae_generation_files WHERE generation = $1', [name])).map((r) => [r.name, r.data]))
    for (const [file, record] of listed) {
      const data = contents.get(file)
      if (!data) throw corruptInStore(db, name, file, 'is missing from kotae_generation_files')
      if (data.length !== record.bytes || sha256(data) !== record.sha256) throw corruptInStore(db, name, file, `does not match its checksum (expected ${record.bytes} bytes, sha256 ${record.sha256.slice(0, 12)}…): the stored file is damaged`)
      step.what = 'writing'
      step.path = join(genDir, file)
      await writeVerified(step.path, data)
    }
    await query('COMMIT', [])
    inTransaction = false
    step.what = 'syncing the folder'
    step.path = genDir
    await syncDir(genDir)
    step.what = 'writing'
    step.path = join(temp, 'manifest.json')
    // The cache folder holds this generation only: its manifest lists no earlier ones.
    await writeVerified(step.path, Buffer.from(JSON.stringify({ ...manifest, history: [] }, null, 2)))
    step.what = 'syncing the folder'
    step.path = temp
    await syncDir(temp)
  } finally {
    if (inTransaction && !broken) await client.query('ROLLBACK').catch((error: Error) => (broken = error))
    // A connection that failed (the server restarted) is destroyed, not handed back to the pool.
    client.release(broken)
  }
}
