/**
 * Worker thread of bench/serve-load.ts: the two jobs that must not run on the bench's busy event
 * loop (a plain ESM file, so the worker needs no TypeScript loader).
 *
 * - `reload`: LISTEN on the store's generation channel and poll every replica's `/readyz` every
 *   `pollMs` until each one serves `target`; reports when the notification arrived (the publish's
 *   commit: PostgreSQL delivers NOTIFY only then), when each replica was first seen serving the
 *   new generation, the `loadedAt` it reports, and the longest gap between two polls (the
 *   measurement's real resolution). A `{ type: 'forget', label }` message stops polling a replica
 *   (one that was killed: a process started on its port later is another replica).
 * - `restart-db`: `restartCluster` of scripts/pg-cluster.mjs (synchronous `pg_ctl` calls: on the
 *   main thread they would freeze every client for the restart).
 */
import { parentPort, workerData } from 'node:worker_threads'
import pg from 'pg'
import { restartCluster } from '../scripts/pg-cluster.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function reload({ url, channel, replicas, target, pollMs, timeoutMs }) {
  const client = new pg.Client({ connectionString: url, application_name: 'kotae-bench-probe' })
  await client.connect()
  let notifiedAt = null
  let payload = null
  client.on('notification', (n) => {
    if (n.channel === channel && notifiedAt === null) {
      notifiedAt = Date.now()
      payload = n.payload ?? null
    }
  })
  await client.query(`LISTEN ${channel}`)
  const seen = Object.fromEntries(replicas.map((r) => [r.label, { firstSeenAt: null, loadedAt: null, polls: 0, errors: 0, maxGapMs: 0, forgottenAt: null }]))
  parentPort.on('message', (m) => {
    if (m?.type === 'forget' && seen[m.label] && seen[m.label].firstSeenAt === null) seen[m.label].forgottenAt = Date.now()
  })
  let started = false
  const deadline = Date.now() + timeoutMs
  const pollOne = async (r) => {
    const s = seen[r.label]
    let last = Date.now()
    while (s.firstSeenAt === null && s.forgottenAt === null && Date.now() < deadline) {
      const before = Date.now()
      try {
        const res = await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(2_000) })
        const body = await res.json()
        if (body?.generation === target && s.forgottenAt === null) {
          s.firstSeenAt = Date.now()
          s.loadedAt = Date.parse(body.loadedAt)
        }
      } catch {
        s.errors++
      }
      s.polls++
      const now = Date.now()
      if (started) s.maxGapMs = Math.max(s.maxGapMs, now - last)
      last = now
      const wait = pollMs - (now - before)
      if (wait > 0) await sleep(wait)
    }
  }
  const polls = replicas.map(pollOne)
  await sleep(pollMs * 3)
  started = true
  parentPort.postMessage({ type: 'ready' })
  await Promise.all(polls)
  const waitNotify = Date.now() + 2_000
  while (notifiedAt === null && Date.now() < waitNotify) await sleep(5)
  await client.end().catch(() => {})
  parentPort.removeAllListeners('message')
  return { notifiedAt, payload, replicas: seen }
}

async function restartDb({ cluster }) {
  const startedAt = Date.now()
  restartCluster(cluster)
  return { startedAt, endedAt: Date.now() }
}

try {
  const result = workerData.task === 'reload' ? await reload(workerData) : await restartDb(workerData)
  parentPort.postMessage({ type: 'done', result })
} catch (error) {
  parentPort.postMessage({ type: 'error', message: error?.message ?? String(error) })
}
