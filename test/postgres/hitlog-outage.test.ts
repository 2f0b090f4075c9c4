/**
 * The PostgreSQL hit log when the database goes away, on a cluster of this file's own (so the
 * shared test server is never disturbed): a restart while events are queued loses nothing and
 * is reported, and with the server stopped the queue keeps `maxQueue` events, the oldest beyond
 * it dropped and counted as `queue-full`, the outage reported once, what is left at close
 * reported as lost.
 */
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { KotaeError } from '../../src/errors.js'
import type { HitLogErrorDetails } from '../../src/hitlog/index.js'
import { openPostgresHitLog } from '../../src/postgres/index.js'
import { result } from '../ops/helpers.js'
// @ts-expect-error a plain ESM script without types (also run from the command line)
import { findPostgresBin, startCluster, stopCluster } from '../../scripts/pg-cluster.mjs'

interface Cluster {
  url: string
}

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'pg-cluster.mjs')
let cluster: Cluster | null = null

/**
 * Start a cluster in the system temp folder: the run's own (TMPDIR, made by the global setup
 * for root only) cannot be entered by the `postgres` user the server runs as.
 */
async function ownCluster(): Promise<Cluster> {
  const saved = process.env.TMPDIR
  const run = tmpdir()
  if (basename(run).startsWith('kotae-test-run-')) process.env.TMPDIR = dirname(run)
  try {
    // startCluster makes its folder before its first await.
    const started = startCluster({ fast: true }) as Promise<Cluster>
    process.env.TMPDIR = saved
    return await started
  } finally {
    process.env.TMPDIR = saved
  }
}

/** Restart the server from another process, so this one keeps recording and writing while the server is down. */
function restartInBackground(c: Cluster): Promise<void> {
  return new Promise((resolve, reject) => {
    const code = 'const m = await import(process.argv[1]); m.restartCluster(JSON.parse(process.argv[2]))'
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, pathToFileURL(SCRIPT).href, JSON.stringify(c)], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`restartCluster failed: ${stderr}`))))
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const details = (e: KotaeError) => e.details as unknown as HitLogErrorDetails

describe.skipIf(!findPostgresBin())('the PostgreSQL hit log through a database outage (a cluster of its own)', () => {
  beforeAll(async () => {
    cluster = await ownCluster()
  }, 120_000)
  afterAll(() => {
    if (cluster) stopCluster(cluster)
    cluster = null
  })

  it('a restart of the server while events are queued loses nothing, and the outage is reported', async () => {
    const errors: KotaeError[] = []
    const log = await openPostgresHitLog(cluster!.url, { onError: (e) => void errors.push(e), flushIntervalMs: 20, retryMaxMs: 100, batchSize: 50, poolSize: 2, connectTimeoutMs: 2000 })
    const ids: string[] = []
    const record = (i: number) => ids.push(log.record(result(`question ${i}`, 'answer', [['late', 0.9]]), { sessionId: `s${i % 5}` })!)
    for (let i = 0; i < 20; i++) record(i)
    expect(await log.flush()).toBe(true)
    let done = false
    const restarted = restartInBackground(cluster!).finally(() => (done = true))
    // Keep asking while the server stops and starts again.
    let i = 20
    while (!done) {
      record(i++)
      record(i++)
      await sleep(5)
    }
    await restarted
    for (let j = 0; j < 10; j++) record(i++)
    await vi.waitFor(async () => expect(await log.flush()).toBe(true), { timeout: 30_000, interval: 100 })
    expect(log.healthy).toBe(true)
    const s = log.stats()
    expect(s).toMatchObject({ recorded: ids.length, written: ids.length, dropped: 0, queued: 0 })
    expect(ids.length).toBeGreaterThan(40)
    // Every event is there once, and the outage was reported, with nothing lost.
    const coverage = await log.coverage()
    expect(coverage.events).toBe(ids.length)
    const recent = await log.recentQueries(0, Date.now() + 1000, ids.length + 10)
    expect(new Set(recent.map((q) => q.eventId))).toEqual(new Set(ids))
    expect(errors.length).toBeGreaterThan(0)
    for (const e of errors) {
      expect(e.code).toBe('LOG_STORE')
      expect(details(e)).toMatchObject({ dropped: 0 })
      expect(e.message).toMatch(/cannot write \d+ queued event\(s\)/)
      expect(e.message).toMatch(/kept and retried/)
    }
    expect(s.errors).toBe(errors.length)
    await log.close()
  }, 120_000)

  it('with the server stopped, the queue keeps maxQueue events and counts the oldest beyond it as dropped (queue-full)', async () => {
    const errors: KotaeError[] = []
    const log = await openPostgresHitLog(cluster!.url, { onError: (e) => void errors.push(e), maxQueue: 5, flushIntervalMs: 60_000, batchSize: 100, poolSize: 1, connectTimeoutMs: 1000 })
    for (let i = 0; i < 3; i++) log.record(result(`before ${i}`, 'answer', [['late', 0.9]]))
    expect(await log.flush()).toBe(true)
    stopCluster(cluster!)
    cluster = null
    for (let i = 0; i < 12; i++) expect(log.record(result(`while stopped ${i}`, 'escalate', []))).toBeDefined()
    for (let attempt = 0; attempt < 3; attempt++) expect(await log.flush()).toBe(false)
    expect(log.healthy).toBe(false)
    expect(log.stats()).toMatchObject({ recorded: 15, written: 3, queued: 5, dropped: 7, drops: { 'queue-full': 7, 'write-failed': 0, 'store-gone': 0 } })
    const overflow = errors.filter((e) => details(e).incident === 'queue-full')
    expect(overflow.reduce((n, e) => n + details(e).dropped, 0)).toBe(7)
    expect(overflow[0]!.message).toMatch(/7 event\(s\) were dropped: the queue of events waiting to be written is full \(maxQueue 5\) because they cannot be written \(last error: .+\)\. The oldest are dropped first/)
    // The outage itself: reported once for the three failed attempts.
    const outage = errors.filter((e) => details(e).incident === undefined)
    expect(outage).toHaveLength(1)
    expect(outage[0]).toMatchObject({ code: 'LOG_STORE', details: expect.objectContaining({ dropped: 0, queued: 5 }) })
    await expect(log.coverage()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    await log.close()
    const lost = errors.filter((e) => details(e).incident === 'write-failed')
    expect(lost.map((e) => details(e).dropped)).toEqual([5])
    const s = log.stats()
    expect(s).toMatchObject({ recorded: 15, written: 3, queued: 0, dropped: 12, drops: { 'queue-full': 7, 'write-failed': 5, 'store-gone': 0 } })
    expect(s.recorded).toBe(s.written + s.dropped + s.queued)
    expect(s.errors).toBe(errors.length)
  }, 60_000)
})
