/**
 * Load and fault bench for `kotae serve` on PostgreSQL (issue 11, part 5):
 * `npx tsx bench/serve-load.ts`, after `npm run build` (it runs the CLI in dist/).
 *
 * 1. A throwaway PostgreSQL cluster (scripts/pg-cluster.mjs, fsync on like production); the shop
 *    FAQ built three times: as it is (A), and with every answer revised twice (B, C: a marker at
 *    the end of each answer, so every answer shows which generation wrote it). A is published with
 *    `kotae publish`; 3 replicas `kotae serve --store <url> --replica rN` and a 4th with
 *    `--no-log` start, each on its own port and cache folder (the restarted replica 2 is `r2b`,
 *    so its events are told from the killed one's).
 * 2. Reload at rest: B is published with no traffic, and timed like the reload under load below.
 * 3. Load: `--asks` (50,000) questions of fixtures/shop-faq/queries.jsonl (ja/ko/en/zh, cycled)
 *    from `--clients` (200) concurrent clients over keep-alive connections, round-robin per request
 *    over replicas 1-3; feedback (helpful / not-helpful, alternately) on every 10th answered ask
 *    that has an eventId, sent 1.5 s after its answer to whichever replica is next.
 *    The clients behave like a load balancer: a connection error (refused, reset) takes the
 *    replica out of the rotation until its /readyz answers again (checked every 250 ms) and the
 *    request is retried on another replica; that is a retry, not a failure. A failure is an HTTP
 *    error status, a timeout (30 s), or a wrong body: not JSON, no decision, an unknown
 *    generation, or an answer whose text is not its generation's (a mixed generation).
 * 4. Faults at fixed shares of the asks sent: at 20% C is published (a rebuild accepted); a worker
 *    thread LISTENs on the store's channel (the notification arrives when the publish commits)
 *    and polls every replica's /readyz every 20 ms until it serves C, while the replicas report
 *    when they loaded it (`loadedAt`). At 45% (once the publish has committed) replica 2 gets
 *    SIGKILL and is started again 1 s later on the same port. At 70% (once replica 2 is back) the
 *    database is restarted (`pg_ctl stop -m fast` then start, in a worker thread: the calls are
 *    synchronous).
 * 5. Logging vs no logging, same generation, after 1,000 unmeasured asks to each (replica 4 has
 *    answered nothing before): `--compare-seq` (1,000) asks one at a time, alternately to replica
 *    1 (PostgreSQL hit log) and replica 4 (`--no-log`): the cost of one ask; then `--compare`
 *    (5,000) asks from `--compare-clients` (50) clients in blocks of 500 to one replica at a time,
 *    alternating (each block has the machine to itself, PostgreSQL's inserts included): latency
 *    under concurrency, and the CPU the replica and PostgreSQL spent per ask.
 * 6. Shutdown: each replica's /metrics is read, then SIGTERM (requests in flight finish, the log
 *    queue is written); then the events and feedback in the database are matched, by event id,
 *    with what every replica process answered.
 *
 * Prints its tables and writes the `serve-load` section of bench/RESULTS.md. Options: `--asks N`,
 * `--clients N`, `--compare N`, `--compare-seq N`, `--compare-clients N`, `--timeout-min N` (hard
 * limit on the whole run, default 15), `--keep` (keep the temp folder: replica logs, bases, caches).
 * Traffic goes only to 127.0.0.1. Everything it started is stopped and removed at the end,
 * whatever happens.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import cliProgress from 'cli-progress'
import pg from 'pg'
// @ts-expect-error a plain ESM script without types (also run from the command line)
import { freePort, startCluster, stopCluster } from '../scripts/pg-cluster.mjs'
import { DEFAULT_POSTGRES_HITLOG_OPTIONS } from '../src/postgres/index.js'
import { environmentLine, ROOT, writeSection } from './results.js'

// ---------------------------------------------------------------------------------------------
// Options and constants

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const value = Number(process.argv[i + 1])
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, got ${process.argv[i + 1]}`)
  return value
}

const ASKS = option('asks', 50_000)
const CLIENTS = option('clients', 200)
const COMPARE_ASKS = option('compare', 5_000)
const COMPARE_SEQ = option('compare-seq', 1_000)
const COMPARE_CLIENTS = option('compare-clients', 50)
const TIMEOUT_MS = option('timeout-min', 15) * 60_000
const KEEP = process.argv.includes('--keep')
/** Share of the answered asks (with an eventId) that get feedback: every 10th. */
const FEEDBACK_EVERY = 10
/** Feedback is sent this long after its answer (people click seconds later; longer than the log's flush interval). */
const FEEDBACK_DELAY_MS = 1_500
/** Shares of the asks sent at which each fault starts. */
const AT = { publish: 0.2, kill: 0.45, dbRestart: 0.7 }
const RESTART_DELAY_MS = 1_000
const READY_POLL_MS = 20
/** How long the reload probe waits for every replica to serve the new generation. */
const RELOAD_WAIT_MS = 180_000
const HEALTH_CHECK_MS = 250
const REQUEST_TIMEOUT_MS = 30_000
const MAX_ATTEMPTS = 6
/** Unmeasured asks to each of r1 and r4 before the logging-vs-no-log phase. */
const COMPARE_WARMUP = 1_000
const COMPARE_BLOCK = 500
/** The replicas' hit-log flush interval and feedback wait (`kotae serve` uses the defaults). */
const FLUSH_INTERVAL_MS = DEFAULT_POSTGRES_HITLOG_OPTIONS.flushIntervalMs
const FEEDBACK_WAIT_MS = DEFAULT_POSTGRES_HITLOG_OPTIONS.feedbackWaitMs
const MARKERS = { A: '', B: ' [rev 2]', C: ' [rev 3]' } as const
const CLI = join(ROOT, 'dist/cli/main.js')
const SHOP = join(ROOT, 'fixtures/shop-faq')
const LOG_LEVEL = 'warn'
/** An ask slower than this is listed by the 5-s window it was sent in. */
const SLOW_MS = 5_000

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.now()
let aborted: string | null = null

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN)
const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–')
const secs = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : '–')
const int = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US') : '–')
const inc = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by
}
const listCounts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ') || 'none'

/** utime + stime of a process, seconds (Linux /proc; NaN elsewhere or once it is gone). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell how loaded the cores were. */
function machineTicks(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number)
    const idle = cpu[3]! + (cpu[4] ?? 0)
    const total = cpu.reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  } catch {
    return { busy: NaN, total: NaN }
  }
}

/** CPU seconds of a PostgreSQL cluster: the postmaster (data/postmaster.pid), its children that exited (cutime, cstime) and those alive. */
function postgresCpu(dataDir: string): number {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    const stat = (p: number | string) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const own = stat(pid)
    let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const f = stat(entry)
        if (Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / 100
      } catch {
        /* gone */
      }
    }
    return total
  } catch {
    return NaN
  }
}

// ---------------------------------------------------------------------------------------------
// Progress: a bar on a TTY (stderr), plain lines otherwise

const tty = Boolean(process.stderr.isTTY)
let multibar: cliProgress.MultiBar | null = null
let bar: cliProgress.SingleBar | null = null
const runStart = now()
const stamp = () => `[${((now() - runStart) / 1000).toFixed(1).padStart(6)} s]`

function say(line: string): void {
  if (multibar) multibar.log(`${stamp()} ${line}\n`)
  else console.error(`${stamp()} ${line}`)
}

function startBar(name: string, total: number): void {
  if (!tty) return
  multibar = new cliProgress.MultiBar(
    { format: `${name.padEnd(8)} [{bar}] {value}/{total} | {rate} asks/s | retries {retries} | failed {failed}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  )
  bar = multibar.create(total, 0, { rate: 0, retries: 0, failed: 0 })
}

function stopBar(): void {
  multibar?.stop()
  multibar = null
  bar = null
}

// ---------------------------------------------------------------------------------------------
// Replicas

interface Proc {
  label: string
  port: number
  url: string
  logs: boolean
  cacheDir: string
  child: ChildProcess
  agent: http.Agent
  outFile: string
  errFile: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  exited: boolean
  readyAt: number
  /** Client view, load phase: asks this process answered and their latency (ms, the attempt that answered). */
  answered: number
  latencies: number[]
  /** When each of those asks was sent, ms from the start of the load (parallel to `latencies`). */
  sentAt: number[]
  /** Asks it answered in the logging-vs-no-log phase (warm-up included). */
  compareAnswered: number
  /** Every event id it returned, all phases. */
  eventIds: string[]
  noEventId: number
  /** Connection errors of requests sent to it, by code (each one retried elsewhere). */
  connectionErrors: Record<string, number>
  /** /metrics just before SIGTERM (or SIGKILL). */
  metrics: Record<string, number> | null
  cpu: number
  killedAt?: number
}

/** Every process this bench started (for the cleanup). */
const started: Proc[] = []

/** Spawn `kotae serve --store` on `port`; stdout (pino lines) and stderr go to files. */
function spawnReplica(work: string, label: string, port: number, store: string, logs: boolean, cacheDir: string): Proc {
  const outFile = join(work, 'logs', `${label}.out`)
  const errFile = join(work, 'logs', `${label}.err`)
  const out = openSync(outFile, 'a')
  const err = openSync(errFile, 'a')
  const args = [CLI, 'serve', '--store', store, '--port', String(port), '--log-level', LOG_LEVEL, '--generation-cache', cacheDir, '--replica', label, ...(logs ? [] : ['--no-log'])]
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', out, err], env: { ...process.env, NO_COLOR: '1' } })
  closeSync(out)
  closeSync(err)
  const proc: Proc = {
    label,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    cacheDir,
    child,
    agent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    outFile,
    errFile,
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    exited: false,
    readyAt: NaN,
    answered: 0,
    latencies: [],
    sentAt: [],
    compareAnswered: 0,
    eventIds: [],
    noEventId: 0,
    connectionErrors: {},
    metrics: null,
    cpu: NaN,
  }
  void proc.exit.then(() => {
    proc.exited = true
  })
  started.push(proc)
  return proc
}

interface Response {
  status: number
  text: string
}

/** One HTTP request over the process's keep-alive agent. Rejects on a connection error (err.code) or `TIMEOUT`. */
function request(proc: Proc, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Response> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = http.request(
      { host: '127.0.0.1', port: proc.port, method, path, agent: proc.agent, timeout: timeoutMs, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })))
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no response in ${timeoutMs} ms`), { code: 'TIMEOUT' })))
    req.on('error', reject)
    req.end(data)
  })
}

interface Ready {
  status: string
  generation: string
  loadedAt: string
  log: { healthy: boolean; queued: number; dropped: number } | null
}

async function readyz(proc: Proc, timeoutMs = 2_000): Promise<Ready | null> {
  try {
    const res = await request(proc, 'GET', '/readyz', undefined, timeoutMs)
    return res.status === 200 ? (JSON.parse(res.text) as Ready) : null
  } catch {
    return null
  }
}

async function waitReady(proc: Proc, timeoutMs = 180_000): Promise<Ready> {
  const until = now() + timeoutMs
  while (now() < until && !aborted) {
    if (proc.exited) throw new Error(`replica ${proc.label} exited before it was ready:\n${tail(proc.errFile)}`)
    const ready = await readyz(proc)
    if (ready) {
      proc.readyAt = Date.now()
      return ready
    }
    await sleep(100)
  }
  throw new Error(`replica ${proc.label} not ready after ${timeoutMs / 1000} s:\n${tail(proc.errFile)}`)
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** The kotae_* samples of a replica's /metrics, labels summed (the process and histogram series left out). */
async function scrapeMetrics(proc: Proc): Promise<Record<string, number> | null> {
  try {
    const res = await request(proc, 'GET', '/metrics', undefined, 5_000)
    if (res.status !== 200) return null
    const out: Record<string, number> = {}
    for (const line of res.text.split('\n')) {
      const m = /^(kotae_[a-z_]+)(\{[^}]*\})? ([-+0-9.eE]+|NaN)$/.exec(line)
      if (!m || m[1]!.startsWith('kotae_process_') || m[1]!.startsWith('kotae_ask_duration')) continue
      inc(out, m[1]!, Number(m[3]))
    }
    return out
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------------
// The load balancer the clients share: round-robin over the slots that are up

interface Slot {
  index: number
  proc: Proc
  up: boolean
  checking: boolean
}

/** What happened when, ms from the start of the load. */
const timeline: Array<{ at: number; what: string }> = []
let loadStartedAt = NaN
const mark = (what: string, at = Date.now()) => timeline.push({ at: at - loadStartedAt, what })

let rr = 0
const stats = {
  retries: 0,
  retriesBy: {} as Record<string, number>,
  failed: 0,
  failures: {} as Record<string, number>,
  failureSamples: [] as string[],
  failureTimes: [] as number[],
  e2e: [] as number[],
  answeredWithId: 0,
}

function markDown(slot: Slot): void {
  slot.up = false
  if (slot.checking) return
  slot.checking = true
  void (async () => {
    while (!aborted) {
      await sleep(HEALTH_CHECK_MS)
      if (await readyz(slot.proc, 1_000)) break
    }
    slot.up = true
    slot.checking = false
  })()
}

async function nextSlot(slots: Slot[], tried: Set<number>): Promise<Slot | null> {
  const until = now() + 15_000
  while (now() < until && !aborted) {
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[rr++ % slots.length]!
      if (slot.up && !tried.has(slot.index)) return slot
    }
    if (slots.every((s) => !s.up || tried.has(s.index))) tried.clear()
    await sleep(20)
  }
  return null
}

function fail(reason: string, detail: string): void {
  stats.failed++
  stats.failureTimes.push(Date.now())
  inc(stats.failures, reason)
  if (stats.failureSamples.length < 8) stats.failureSamples.push(`${stamp()} ${reason}: ${detail.slice(0, 300)}`)
}

type Sent = { proc: Proc; res: Response; attemptMs: number; retried: boolean } | { error: string; detail: string; target?: Proc }

/** Send one request through the balancer; connection errors are retried on another slot. */
async function balanced(slots: Slot[], path: string, body: unknown, kind: string): Promise<Sent> {
  const tried = new Set<number>()
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const slot = await nextSlot(slots, tried)
    if (!slot) return { error: 'no-replica-up', detail: `${kind}: no replica up for 15 s` }
    const proc = slot.proc
    const a0 = now()
    try {
      const res = await request(proc, 'POST', path, body)
      return { proc, res, attemptMs: now() - a0, retried: attempt > 0 }
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'ERROR'
      if (code === 'TIMEOUT') return { error: 'timeout', detail: `${kind} to ${proc.label}: ${(err as Error).message}`, target: proc }
      stats.retries++
      inc(stats.retriesBy, `${kind} to ${proc.label} ${code}`)
      inc(proc.connectionErrors, code)
      tried.add(slot.index)
      markDown(slot)
    }
  }
  return { error: 'retries-exhausted', detail: `${kind}: ${MAX_ATTEMPTS} connection errors in a row` }
}

// ---------------------------------------------------------------------------------------------
// Asks and feedback

interface Query {
  query: string
  lang?: string
}

/** generation name → the marker its answers end with ('' for the base as it is). */
type Versions = Map<string, string>

/** Check an ask's response body; returns the event id and generation, or a failure reason. */
function checkAsk(res: Response, versions: Versions, logs: boolean): { ok: true; eventId?: string; generation: string } | { ok: false; reason: string; detail: string } {
  if (res.status >= 500) return { ok: false, reason: 'http-5xx', detail: `${res.status} ${res.text}` }
  if (res.status !== 200) return { ok: false, reason: `http-${res.status}`, detail: res.text }
  let body: { decision?: string; generation?: string; eventId?: unknown; answer?: { id?: string; text?: string } }
  try {
    body = JSON.parse(res.text)
  } catch {
    return { ok: false, reason: 'body-not-json', detail: res.text }
  }
  if (!['answer', 'clarify', 'escalate'].includes(body.decision ?? '')) return { ok: false, reason: 'body-no-decision', detail: res.text }
  const marker = versions.get(body.generation ?? '')
  if (marker === undefined) return { ok: false, reason: 'body-unknown-generation', detail: res.text }
  if (body.decision === 'answer') {
    const text = body.answer?.text
    if (typeof text !== 'string') return { ok: false, reason: 'body-answer-without-text', detail: res.text }
    const marks = [...versions.values()].filter((m) => m && text.includes(m.trim()))
    if (marks.length !== (marker ? 1 : 0) || (marker && marks[0] !== marker)) return { ok: false, reason: 'body-mixed-generation', detail: `generation ${body.generation} answered ${body.answer?.id} with another generation's text` }
  }
  if (body.eventId !== undefined && typeof body.eventId !== 'string') return { ok: false, reason: 'body-bad-eventId', detail: res.text }
  if (!logs && body.eventId !== undefined) return { ok: false, reason: 'body-eventId-without-log', detail: res.text }
  return { ok: true, generation: body.generation!, ...(typeof body.eventId === 'string' ? { eventId: body.eventId } : {}) }
}

interface Rejected {
  eventId: string
  answeredBy: string
  target: string
  code: string
  at: number
  /** The answering replica had been SIGKILLed when the rejection came back. */
  answeredByKilled: boolean
}

const feedback = {
  sent: 0,
  accepted: [] as Array<{ feedbackId: string; eventId: string; retried: boolean }>,
  rejected: [] as Rejected[],
  samples: [] as string[],
  pending: new Set<Promise<void>>(),
}

function scheduleFeedback(slots: Slot[], eventId: string, answeredBy: Proc): void {
  const kind = feedback.sent % 2 === 0 ? 'helpful' : 'not-helpful'
  feedback.sent++
  const job = (async () => {
    await sleep(FEEDBACK_DELAY_MS)
    if (aborted) return
    const out = await balanced(slots, '/v1/feedback', { eventId, kind }, 'feedback')
    const reject = (code: string, target: string, sample?: string) => {
      feedback.rejected.push({ eventId, answeredBy: answeredBy.label, target, code, at: Date.now(), answeredByKilled: answeredBy.killedAt !== undefined })
      if (sample && feedback.samples.length < 6 && !feedback.samples.some((s) => s.includes(code))) feedback.samples.push(`${stamp()} ${code} from ${target}: ${sample.slice(0, 240)}`)
    }
    if ('error' in out) return reject(out.error, out.target?.label ?? '?', out.detail)
    if (out.res.status === 200) {
      const body = JSON.parse(out.res.text) as { feedbackId: number | string }
      feedback.accepted.push({ feedbackId: String(body.feedbackId), eventId, retried: out.retried })
      return
    }
    let code = `${out.res.status}`
    try {
      code = `${out.res.status} ${(JSON.parse(out.res.text) as { code: string }).code}`
    } catch {
      /* not JSON */
    }
    reject(code, out.proc.label, out.res.text)
  })()
  feedback.pending.add(job)
  void job.finally(() => feedback.pending.delete(job))
}

// ---------------------------------------------------------------------------------------------
// Building, publishing, timing a reload

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; startedAt: number; endedAt: number }> {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr, startedAt, endedAt: Date.now() })
    })
  })
}

/** Build the shop FAQ with `marker` after every answer into `out`; returns its generation. */
async function buildBase(work: string, name: string, marker: string): Promise<string> {
  let faq = join(SHOP, 'faq.jsonl')
  if (marker) {
    faq = join(work, `faq-${name}.jsonl`)
    const rows = readFileSync(join(SHOP, 'faq.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { answer: string })
    writeFileSync(faq, rows.map((r) => JSON.stringify({ ...r, answer: r.answer + marker })).join('\n') + '\n')
  }
  const out = join(work, `kb-${name}`)
  const run = await cli(['build', faq, '-o', out, '--calib', join(SHOP, 'calib.jsonl')])
  if (run.code !== 0) throw new Error(`kotae build ${faq} failed:\n${run.stderr}`)
  return (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { generation: string }).generation
}

interface Published {
  generation: string
  startedAt: number
  endedAt: number
}

async function publish(kb: string, store: string): Promise<Published> {
  const run = await cli(['publish', kb, '--store', store, '--json'])
  if (run.code !== 0) throw new Error(`kotae publish ${kb} failed:\n${run.stderr}`)
  return { generation: (JSON.parse(run.stdout) as { generation: string }).generation, startedAt: run.startedAt, endedAt: run.endedAt }
}

interface ProbeResult {
  notifiedAt: number | null
  replicas: Record<string, { firstSeenAt: number | null; loadedAt: number | null; polls: number; errors: number; maxGapMs: number; forgottenAt: number | null }>
}

/** The reload of one publish, per replica: loaded (its loadedAt) and first seen in /readyz, ms after the notification. */
interface Reload {
  generation: string
  /** When the notification arrived (ms since epoch). */
  notifiedAt: number
  publishMs: number
  notifyAfterPublishStartMs: number
  replicas: Array<{ label: string; loadedMs: number; seenMs: number; killedMs: number; maxGapMs: number }>
  /** The last replica to serve it (of those not killed first), ms after the notification; Infinity when one never did in the wait. */
  maxLoadedMs: number
  maxSeenMs: number
}

/**
 * Publish `kb` and time the reload: a worker LISTENs and polls the replicas; the publish starts
 * once it is ready. `committed` resolves when the publish process has exited; `forget(label)`
 * stops watching a replica (killed).
 */
function timeReload(kb: string, target: string, store: string, replicas: Proc[]): { committed: Promise<Published>; done: Promise<Reload>; forget: (label: string) => void } {
  const procs = [...replicas]
  const w = new Worker(new URL('./serve-load-probe.mjs', import.meta.url), {
    workerData: { task: 'reload', url: store, channel: 'kotae_generation', replicas: procs.map((p) => ({ label: p.label, url: p.url })), target, pollMs: READY_POLL_MS, timeoutMs: RELOAD_WAIT_MS },
  })
  let resolveCommitted!: (p: Published) => void
  let rejectCommitted!: (e: unknown) => void
  const committed = new Promise<Published>((resolve, reject) => {
    resolveCommitted = resolve
    rejectCommitted = reject
  })
  committed.catch(() => {})
  const probe = new Promise<ProbeResult>((resolve, reject) => {
    const failed = (err: Error) => {
      rejectCommitted(err)
      reject(err)
    }
    w.on('message', (m: { type: string; result?: ProbeResult; message?: string }) => {
      if (m.type === 'ready') publish(kb, store).then(resolveCommitted, rejectCommitted)
      else if (m.type === 'done') resolve(m.result!)
      else if (m.type === 'error') failed(new Error(`the reload probe failed: ${m.message}`))
    })
    w.on('error', failed)
    w.on('exit', (code) => code !== 0 && failed(new Error(`the reload probe exited with ${code}`)))
  })
  const done = (async (): Promise<Reload> => {
    const [result, pub] = await Promise.all([probe, committed])
    if (result.notifiedAt === null) throw new Error(`the publish of ${target} was never notified`)
    const at = result.notifiedAt
    const rows = procs.map((p) => {
      const s = result.replicas[p.label]!
      return { label: p.label, loadedMs: s.loadedAt === null ? NaN : s.loadedAt - at, seenMs: s.firstSeenAt === null ? NaN : s.firstSeenAt - at, killedMs: s.forgottenAt === null ? NaN : s.forgottenAt - at, maxGapMs: s.maxGapMs }
    })
    const live = rows.filter((r) => Number.isNaN(r.killedMs))
    const worst = (pick: (r: (typeof rows)[number]) => number) => (live.some((r) => Number.isNaN(pick(r))) ? Infinity : Math.max(...live.map(pick)))
    return { generation: target, notifiedAt: at, publishMs: pub.endedAt - pub.startedAt, notifyAfterPublishStartMs: at - pub.startedAt, replicas: rows, maxLoadedMs: worst((r) => r.loadedMs), maxSeenMs: worst((r) => r.seenMs) }
  })()
  done.catch(() => {})
  return { committed, done, forget: (label) => w.postMessage({ type: 'forget', label }) }
}

function restartDatabase(cluster: unknown): Promise<{ startedAt: number; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./serve-load-probe.mjs', import.meta.url), { workerData: { task: 'restart-db', cluster } })
    w.on('message', (m: { type: string; result?: { startedAt: number; endedAt: number }; message?: string }) => (m.type === 'done' ? resolve(m.result!) : reject(new Error(m.message))))
    w.on('error', reject)
  })
}

// ---------------------------------------------------------------------------------------------
// The run

interface Report {
  environment: string
  postgres: string
  machine: { cores: number; loadStart: number[]; loadEnd: number[]; busyShare: number; busyCpuS: number; benchCpuS: number; replicasCpuS: number; postgresCpuS: number }
  load: { answered: number; seconds: number; throughput: number; e2eP50: number; e2eP99: number; e2eMax: number }
  perReplica: Array<{ label: string; answered: number; compareAnswered: number; p50: number; p99: number; max: number; withId: number; noEventId: number; recorded: number; recordedOtherReplica: number; missing: number; extraRows: number; written: number; dropped: number; queued: number; writeErrors: number; cpu: number; exit: string }>
  failures: { count: number; reasons: Record<string, number>; samples: string[]; duringDbRestart: number }
  retries: { count: number; by: Record<string, number> }
  feedback: { sent: number; accepted: number; rows: number; acceptedFound: number; duplicateEvents: number; duplicateRows: number; duplicatesAfterRetry: number; retriedAccepted: number; categories: Record<string, number>; byTarget: Record<string, number>; samples: string[] }
  reloadAtRest: Reload
  reloadUnderLoad: Reload
  kill: { answeredBeforeKill: number; recorded: number; lost: number; queuedAtKill: number; scrapeToKillMs: number; ratePerS: number; downMs: number; restartedGeneration: string; retriesWhileDown: number }
  dbRestart: { ms: number }
  compare: {
    seq: { log: Lat; noLog: Lat }
    blocks: { log: Lat & { cpuMs: number; pgCpuMs: number }; noLog: Lat & { cpuMs: number; pgCpuMs: number } }
  }
  serverLogs: Record<string, Record<string, number>>
  unexpected: string[]
  totalSeconds: number
  timeline: Array<{ at: number; what: string }>
  /** Asks slower than SLOW_MS, by replica and the 5-s window they were sent in (s from the start of the load). */
  slow: Record<string, Record<string, number>>
}

interface Lat {
  n: number
  p50: number
  p99: number
  mean: number
}
const lat = (v: number[]): Lat => ({ n: v.length, p50: percentile(v, 50), p99: percentile(v, 99), mean: mean(v) })

async function run(work: string, cleanup: { cluster?: unknown }): Promise<Report> {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first')
  const help = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' })
  if (!help.stdout.includes('--store') || !help.stdout.includes('--replica')) throw new Error('dist/ has no `kotae serve --store ... --replica`: run `npm run build` first')
  mkdirSync(join(work, 'logs'))
  const loadStart = loadavg()
  const unexpected: string[] = []

  say('starting a PostgreSQL cluster (fsync on)')
  const cluster = (await startCluster({ fast: false })) as { url: string; dir: string; data: string; port: number }
  cleanup.cluster = cluster
  const store = cluster.url

  say('building the shop FAQ three times (as it is, then every answer revised twice)')
  const gens = { A: await buildBase(work, 'A', MARKERS.A), B: await buildBase(work, 'B', MARKERS.B), C: await buildBase(work, 'C', MARKERS.C) }
  const versions: Versions = new Map([
    [gens.A, MARKERS.A],
    [gens.B, MARKERS.B],
    [gens.C, MARKERS.C],
  ])
  const first = await publish(join(work, 'kb-A'), store)
  if (first.generation !== gens.A) throw new Error(`published ${first.generation}, expected ${gens.A}`)

  const ports: number[] = []
  for (let i = 0; i < 4; i++) ports.push((await freePort()) as number)
  const r1 = spawnReplica(work, 'r1', ports[0]!, store, true, join(work, 'cache-1'))
  const r2 = spawnReplica(work, 'r2', ports[1]!, store, true, join(work, 'cache-2'))
  const r3 = spawnReplica(work, 'r3', ports[2]!, store, true, join(work, 'cache-3'))
  const r4 = spawnReplica(work, 'r4', ports[3]!, store, false, join(work, 'cache-4'))
  say(`starting 4 replicas on ports ${ports.join(', ')} (r4 with --no-log)`)
  for (const p of [r1, r2, r3, r4]) {
    const ready = await waitReady(p)
    if (ready.generation !== gens.A) unexpected.push(`${p.label} started on ${ready.generation}, not ${gens.A}`)
  }
  const procs: Proc[] = [r1, r2, r3, r4]

  say(`reload at rest: publishing ${gens.B} with no traffic`)
  const reloadAtRest = await timeReload(join(work, 'kb-B'), gens.B, store, procs).done
  say(`at rest, every replica served ${gens.B} ${secs(reloadAtRest.maxLoadedMs)} after the notification`)

  const questions = readFileSync(join(SHOP, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Query)
  const slots: Slot[] = [r1, r2, r3].map((proc, index) => ({ index, proc, up: true, checking: false }))

  // ---- load phase with faults
  let next = 0
  let answered = 0
  const ticks0 = machineTicks()
  const cpu0 = process.cpuUsage()
  const replicaCpu0 = new Map(procs.map((p) => [p.label, cpuSeconds(p.child.pid)]))
  let pgCpu = -postgresCpu(cluster.data)
  const loadStarted = now()
  loadStartedAt = Date.now()
  startBar('load', ASKS)
  let lastLine = 0
  const ticker = setInterval(() => {
    const rate = answered / ((now() - loadStarted) / 1000)
    bar?.update(answered, { rate: rate.toFixed(0), retries: stats.retries, failed: stats.failed })
    if (!tty && answered - lastLine >= ASKS / 10) {
      lastLine = answered
      say(`load: ${int(answered)}/${int(ASKS)} asks answered, ${rate.toFixed(0)} asks/s, retries ${stats.retries}, failed ${stats.failed}`)
    }
  }, 250)

  const askOne = async (i: number, client: number) => {
    const q = questions[i % questions.length]!
    const t0 = now()
    const sentAt = now() - loadStarted
    const out = await balanced(slots, '/v1/ask', { question: q.query, sessionId: `bench-${client}`, channel: 'bench' }, 'ask')
    if ('error' in out) return fail(out.error, out.detail)
    const checked = checkAsk(out.res, versions, out.proc.logs)
    if (!checked.ok) return fail(checked.reason, `${out.proc.label}: ${checked.detail}`)
    answered++
    out.proc.answered++
    out.proc.latencies.push(out.attemptMs)
    out.proc.sentAt.push(sentAt)
    stats.e2e.push(now() - t0)
    if (checked.eventId === undefined) out.proc.noEventId++
    else {
      out.proc.eventIds.push(checked.eventId)
      stats.answeredWithId++
      if (stats.answeredWithId % FEEDBACK_EVERY === 0) scheduleFeedback(slots, checked.eventId, out.proc)
    }
  }

  const loadDone = Promise.all(
    Array.from({ length: CLIENTS }, (_, client) =>
      (async () => {
        while (!aborted) {
          const i = next++
          if (i >= ASKS) return
          await askOne(i, client)
        }
      })(),
    ),
  ).then(() => now())

  const until = async (share: number) => {
    while (next < share * ASKS && !aborted) await sleep(25)
  }

  let reloadUnderLoad: Promise<Reload> | null = null
  let kill: Report['kill'] | null = null
  let dbRestart: { startedAt: number; endedAt: number } | null = null
  const faultRun = (async () => {
    // (a) a rebuild accepted: C published; the reload is timed in the background
    await until(AT.publish)
    say(`publishing ${gens.C} under load (${int(next)} asks sent)`)
    const reload = timeReload(join(work, 'kb-C'), gens.C, store, procs)
    mark('`kotae publish` started')
    reloadUnderLoad = reload.done
    reload.done.then(
      (r) => say(`every replica (not killed) served ${gens.C} ${secs(r.maxLoadedMs)} after the notification`),
      () => {},
    )
    await reload.committed
    mark('`kotae publish` exited')

    // (b) replica 2: SIGKILL, restarted after RESTART_DELAY_MS on the same port
    await until(AT.kill)
    const lastScrape = await scrapeMetrics(r2)
    const scrapedAt = Date.now()
    r2.cpu = cpuSeconds(r2.child.pid)
    r2.metrics = lastScrape
    const retriesBefore = stats.retries
    r2.child.kill('SIGKILL')
    r2.killedAt = Date.now()
    mark('r2 SIGKILLed', r2.killedAt)
    reload.forget('r2')
    const answeredBeforeKill = r2.eventIds.length
    const ratePerS = r2.answered / ((now() - loadStarted) / 1000)
    say(`replica 2 killed with SIGKILL (${int(next)} asks sent; it had answered ${int(r2.answered)}, ${lastScrape?.kotae_hitlog_queue_depth ?? '?'} events queued ${r2.killedAt - scrapedAt} ms before)`)
    await r2.exit
    await sleep(RESTART_DELAY_MS)
    const r2b = spawnReplica(work, 'r2b', r2.port, store, true, r2.cacheDir)
    slots[1]!.proc = r2b
    procs.push(r2b)
    replicaCpu0.set('r2b', 0)
    const again = await waitReady(r2b)
    const downMs = r2b.readyAt - r2.killedAt
    mark('r2b ready', r2b.readyAt)
    say(`replica 2 back (${again.generation}) ${secs(downMs)} after the kill`)
    if (again.generation !== gens.C) unexpected.push(`the restarted replica 2 started on ${again.generation}, not ${gens.C}`)
    kill = { answeredBeforeKill, recorded: 0, lost: 0, queuedAtKill: lastScrape?.kotae_hitlog_queue_depth ?? NaN, scrapeToKillMs: r2.killedAt - scrapedAt, ratePerS, downMs, restartedGeneration: again.generation, retriesWhileDown: stats.retries - retriesBefore }

    // (c) the database restarted once
    await until(AT.dbRestart)
    say(`restarting PostgreSQL (${int(next)} asks sent)`)
    pgCpu += postgresCpu(cluster.data)
    dbRestart = await restartDatabase(cluster)
    pgCpu -= postgresCpu(cluster.data)
    mark('PostgreSQL stopping', dbRestart.startedAt)
    mark('PostgreSQL up again', dbRestart.endedAt)
    say(`PostgreSQL restarted in ${secs(dbRestart.endedAt - dbRestart.startedAt)}`)
  })()
  faultRun.catch(() => {})

  const loadEnded = await loadDone
  const cpuLoad = process.cpuUsage(cpu0)
  const ticks1 = machineTicks()
  pgCpu += postgresCpu(cluster.data)
  // r2 is gone: its CPU was read just before the kill.
  const replicasCpuLoad = procs.reduce((sum, p) => sum + ((p.exited ? p.cpu : cpuSeconds(p.child.pid)) - (replicaCpu0.get(p.label) ?? 0)), 0)
  clearInterval(ticker)
  bar?.update(answered, { rate: (answered / ((loadEnded - loadStarted) / 1000)).toFixed(0), retries: stats.retries, failed: stats.failed })
  stopBar()
  const loadSeconds = (loadEnded - loadStarted) / 1000
  say(`load done: ${int(answered)} asks answered in ${loadSeconds.toFixed(1)} s; waiting for the faults, the reload and the feedback`)
  let faultsDone = false
  void faultRun.then(() => (faultsDone = true))
  await sleep(0)
  if (!faultsDone) unexpected.push('a fault was still running when the load ended (it finished after the last ask)')
  await faultRun
  const reloadC = await (reloadUnderLoad as Promise<Reload> | null)!
  mark('notification of the publish', reloadC.notifiedAt)
  for (const x of reloadC.replicas) if (Number.isFinite(x.loadedMs)) mark(`${x.label} serves the new generation`, reloadC.notifiedAt + x.loadedMs)
  mark('last ask answered', loadStartedAt + (loadEnded - loadStarted))
  while (feedback.pending.size > 0) await Promise.all([...feedback.pending])

  // ---- logging vs no logging
  say(`logging vs no logging: ${int(COMPARE_WARMUP)} warm-up asks to r1 and r4 each, ${int(COMPARE_SEQ)} one at a time, ${int(COMPARE_ASKS)} from ${COMPARE_CLIENTS} clients in blocks of ${COMPARE_BLOCK}`)
  const compareAsk = async (proc: Proc, i: number, session: string): Promise<number | null> => {
    const q = questions[i % questions.length]!
    const a0 = now()
    try {
      const res = await request(proc, 'POST', '/v1/ask', { question: q.query, sessionId: session, channel: 'bench' })
      const took = now() - a0
      const checked = checkAsk(res, versions, proc.logs)
      if (!checked.ok) {
        fail(`compare ${checked.reason}`, `${proc.label}: ${checked.detail}`)
        return null
      }
      proc.compareAnswered++
      if (checked.eventId !== undefined) proc.eventIds.push(checked.eventId)
      else if (proc.logs) proc.noEventId++
      return took
    } catch (err) {
      fail(`compare ${(err as { code?: string }).code ?? 'error'}`, `${proc.label}: ${(err as Error).message}`)
      return null
    }
  }
  const concurrently = async (total: number, clients: number, target: (i: number) => Proc, onDone: (proc: Proc, took: number) => void) => {
    let n = 0
    await Promise.all(
      Array.from({ length: clients }, (_, c) =>
        (async () => {
          while (!aborted) {
            const i = n++
            if (i >= total) return
            const proc = target(i)
            const took = await compareAsk(proc, i, `compare-${c}`)
            if (took !== null) onDone(proc, took)
          }
        })(),
      ),
    )
  }
  await concurrently(2 * COMPARE_WARMUP, COMPARE_CLIENTS, (i) => (i % 2 === 0 ? r1 : r4), () => {})
  const seq = { log: [] as number[], noLog: [] as number[] }
  for (let i = 0; i < COMPARE_SEQ && !aborted; i++) {
    const proc = i % 2 === 0 ? r1 : r4
    const took = await compareAsk(proc, Math.floor(i / 2), 'compare-seq')
    if (took !== null) (proc.logs ? seq.log : seq.noLog).push(took)
  }
  const blocks = { log: [] as number[], noLog: [] as number[], cpu: { r1: 0, r4: 0 }, pg: { r1: 0, r4: 0 } }
  startBar('compare', COMPARE_ASKS)
  let blocked = 0
  for (let b = 0; b * COMPARE_BLOCK < COMPARE_ASKS && !aborted; b++) {
    const proc = b % 2 === 0 ? r1 : r4
    const key = proc === r1 ? 'r1' : 'r4'
    const c0 = cpuSeconds(proc.child.pid)
    const p0 = postgresCpu(cluster.data)
    const size = Math.min(COMPARE_BLOCK, COMPARE_ASKS - b * COMPARE_BLOCK)
    // Question i of every block is the same: r1's and r4's blocks ask the same questions.
    await concurrently(size, COMPARE_CLIENTS, () => proc, (p, took) => {
      ;(p.logs ? blocks.log : blocks.noLog).push(took)
      bar?.update(++blocked, { rate: '–', retries: 0, failed: stats.failed })
    })
    blocks.cpu[key] += cpuSeconds(proc.child.pid) - c0
    blocks.pg[key] += postgresCpu(cluster.data) - p0
  }
  stopBar()

  // ---- shutdown: metrics, SIGTERM, final counts in the database
  const live = procs.filter((p) => !p.exited)
  for (const p of live) {
    const ready = await readyz(p)
    if (ready?.generation !== gens.C) unexpected.push(`${p.label} serves ${ready?.generation ?? '(no answer)'} at the end, not ${gens.C}`)
    p.metrics = await scrapeMetrics(p)
    p.cpu = cpuSeconds(p.child.pid)
  }
  say('SIGTERM to every replica')
  for (const p of live) p.child.kill('SIGTERM')
  const exits = new Map<string, string>()
  for (const p of live) {
    const result = await Promise.race([p.exit, sleep(60_000).then(() => null)])
    if (result === null) {
      unexpected.push(`${p.label} did not exit within 60 s of SIGTERM (killed)`)
      p.child.kill('SIGKILL')
      exits.set(p.label, 'hung, SIGKILL')
    } else exits.set(p.label, result.signal ? `signal ${result.signal}` : `exit ${result.code}`)
  }
  exits.set('r2', 'SIGKILL (the fault)')

  const db = new pg.Client({ connectionString: store })
  await db.connect()
  const events = (await db.query<{ id: string; replica: string }>('SELECT id, replica FROM kotae_events')).rows
  const fbRows = (await db.query<{ id: string; event_id: string }>('SELECT id::text AS id, event_id FROM kotae_feedback')).rows
  await db.end()

  const dbReplicaOf = new Map<string, string>()
  const rowsBy: Record<string, number> = {}
  for (const e of events) {
    dbReplicaOf.set(e.id, e.replica)
    inc(rowsBy, e.replica)
  }
  for (const name of Object.keys(rowsBy)) if (!procs.some((p) => p.label === name)) unexpected.push(`${rowsBy[name]} events from a replica this bench did not start: ${name}`)

  const perReplica: Report['perReplica'] = procs.map((p) => {
    const ids = new Set(p.eventIds)
    if (ids.size !== p.eventIds.length) unexpected.push(`${p.label} returned ${p.eventIds.length - ids.size} event ids twice`)
    let recorded = 0
    let other = 0
    for (const id of ids) {
      const where = dbReplicaOf.get(id)
      if (where === p.label) recorded++
      else if (where !== undefined) other++
    }
    const m = p.metrics ?? {}
    return {
      label: p.label,
      answered: p.answered,
      compareAnswered: p.compareAnswered,
      p50: percentile(p.latencies, 50),
      p99: percentile(p.latencies, 99),
      max: p.latencies.length ? Math.max(...p.latencies) : NaN,
      withId: ids.size,
      noEventId: p.noEventId,
      recorded,
      recordedOtherReplica: other,
      missing: ids.size - recorded - other,
      extraRows: (rowsBy[p.label] ?? 0) - recorded,
      written: m.kotae_hitlog_written ?? NaN,
      dropped: m.kotae_hitlog_dropped ?? NaN,
      queued: m.kotae_hitlog_queue_depth ?? NaN,
      writeErrors: m.kotae_hitlog_write_errors ?? NaN,
      cpu: p.cpu,
      exit: exits.get(p.label) ?? '?',
    }
  })
  const k = kill as Report['kill'] | null
  if (!k) throw new Error('replica 2 was never killed')
  const r2row = perReplica.find((r) => r.label === 'r2')!
  k.answeredBeforeKill = r2row.withId
  k.recorded = r2row.recorded
  k.lost = r2row.missing
  for (const x of perReplica) if (x.noEventId > 0 && x.label !== 'r4') unexpected.push(`${x.label} answered ${x.noEventId} asks without an eventId`)

  // Feedback: why each rejection happened, from what the database holds at the end.
  const db0 = dbRestart as { startedAt: number; endedAt: number } | null
  const duringRestart = (t: number) => db0 !== null && t >= db0.startedAt && t <= db0.endedAt + 5_000
  const feedbackEvents = new Set(fbRows.map((r) => r.event_id))
  const rowsPerEvent: Record<string, number> = {}
  for (const r of fbRows) inc(rowsPerEvent, r.event_id)
  const duplicated = new Set(Object.keys(rowsPerEvent).filter((e) => rowsPerEvent[e]! > 1))
  const acceptedIds = new Set(fbRows.map((r) => r.id))
  const categories: Record<string, number> = {}
  const byTarget: Record<string, number> = {}
  for (const r of feedback.rejected) {
    const inDb = dbReplicaOf.has(r.eventId)
    let category: string
    if (r.code === '404 UNKNOWN_EVENT') category = inDb ? `404 UNKNOWN_EVENT, though the event is in the database at the end (written more than ${(FEEDBACK_DELAY_MS + FEEDBACK_WAIT_MS) / 1000} s after its answer)` : r.answeredByKilled || r.answeredBy === 'r2' ? '404 UNKNOWN_EVENT, the event was lost with the SIGKILLed replica' : '404 UNKNOWN_EVENT, the event is not in the database'
    else if (r.code.startsWith('503') && duringRestart(r.at)) category = `${r.code} during the database restart${feedbackEvents.has(r.eventId) ? ' (stored anyway)' : ''}`
    else if (r.code === 'timeout') category = `no answer in ${REQUEST_TIMEOUT_MS / 1000} s (${feedbackEvents.has(r.eventId) ? 'stored anyway' : 'not stored'})`
    else category = r.code
    inc(categories, category)
    inc(byTarget, `${r.code}: answered by ${r.answeredBy}, sent to ${r.target}`)
  }

  const serverLogs: Report['serverLogs'] = {}
  for (const p of procs) serverLogs[p.label] = summarizeLog(p)

  return {
    environment: environmentLine(['kotae', 'fastify', 'pg', 'pino', 'prom-client']),
    postgres: postgresVersion(),
    machine: {
      cores: cpus().length,
      loadStart,
      loadEnd: loadavg(),
      busyShare: (ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total),
      busyCpuS: (ticks1.busy - ticks0.busy) / 100,
      benchCpuS: (cpuLoad.user + cpuLoad.system) / 1e6,
      replicasCpuS: replicasCpuLoad,
      postgresCpuS: pgCpu,
    },
    load: { answered, seconds: loadSeconds, throughput: answered / loadSeconds, e2eP50: percentile(stats.e2e, 50), e2eP99: percentile(stats.e2e, 99), e2eMax: stats.e2e.length ? Math.max(...stats.e2e) : NaN },
    perReplica,
    failures: { count: stats.failed, reasons: stats.failures, samples: stats.failureSamples, duringDbRestart: stats.failureTimes.filter(duringRestart).length },
    retries: { count: stats.retries, by: stats.retriesBy },
    feedback: { sent: feedback.sent, accepted: feedback.accepted.length, rows: fbRows.length, acceptedFound: feedback.accepted.filter((f) => acceptedIds.has(f.feedbackId)).length,
      duplicateEvents: duplicated.size,
      duplicateRows: [...duplicated].reduce((a, e) => a + rowsPerEvent[e]! - 1, 0),
      duplicatesAfterRetry: feedback.accepted.filter((f) => f.retried && duplicated.has(f.eventId)).length,
      retriedAccepted: feedback.accepted.filter((f) => f.retried).length,
      categories, byTarget, samples: feedback.samples },
    reloadAtRest,
    reloadUnderLoad: reloadC,
    kill: k,
    dbRestart: { ms: db0 ? db0.endedAt - db0.startedAt : NaN },
    compare: {
      seq: { log: lat(seq.log), noLog: lat(seq.noLog) },
      blocks: {
        log: { ...lat(blocks.log), cpuMs: (blocks.cpu.r1 * 1000) / Math.max(1, blocks.log.length), pgCpuMs: (blocks.pg.r1 * 1000) / Math.max(1, blocks.log.length) },
        noLog: { ...lat(blocks.noLog), cpuMs: (blocks.cpu.r4 * 1000) / Math.max(1, blocks.noLog.length), pgCpuMs: (blocks.pg.r4 * 1000) / Math.max(1, blocks.noLog.length) },
      },
    },
    serverLogs,
    unexpected,
    totalSeconds: (now() - runStart) / 1000,
    timeline: [...timeline].sort((a, b) => a.at - b.at),
    slow: Object.fromEntries(
      procs.map((p) => {
        const windows: Record<string, number> = {}
        p.latencies.forEach((l, i) => {
          if (l > SLOW_MS) {
            const w = Math.floor(p.sentAt[i]! / 5_000) * 5
            inc(windows, `${w}-${w + 5} s`)
          }
        })
        return [p.label, windows]
      }),
    ),
  }
}

function postgresVersion(): string {
  const r = spawnSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' })
  return r.stdout.trim().split('\n').sort((a, b) => Number(b) - Number(a))[0] ?? '?'
}

/** Warn and error lines of a replica (pino JSON on stdout, plain on stderr), counted by message (numbers as N). */
function summarizeLog(p: Proc): Record<string, number> {
  const out: Record<string, number> = {}
  const clean = (s: string) => s.replace(/postgres:\/\/\S+?\/postgres/g, '<store>').replace(/\d+/g, 'N').replace(/\s+/g, ' ')
  try {
    for (const line of readFileSync(p.outFile, 'utf8').split('\n')) {
      if (!line.trim()) continue
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; event?: string; code?: string; message?: string }
        if ((j.level ?? 0) < 40) continue
        inc(out, clean(`${j.level === 40 ? 'warn' : j.level === 50 ? 'error' : `level ${j.level}`} ${j.event ?? ''} ${j.code ?? ''}: ${(j.message ?? j.msg ?? '').slice(0, 170)}`))
      } catch {
        inc(out, clean(`stdout: ${line.slice(0, 170)}`))
      }
    }
    for (const line of readFileSync(p.errFile, 'utf8').split('\n')) if (line.trim() && !/^kotae serve: (http|SIGTERM)/.test(line)) inc(out, clean(`stderr: ${line.slice(0, 200)}`))
  } catch {
    /* no log */
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Output

function reloadCells(r: Reload): string {
  return r.replicas.map((x) => (Number.isFinite(x.loadedMs) ? `${x.label} ${secs(x.loadedMs)}` : Number.isFinite(x.killedMs) ? `${x.label} SIGKILLed ${secs(x.killedMs)} after it, not yet loaded` : `${x.label} not within ${RELOAD_WAIT_MS / 1000} s`)).join(', ')
}

function seenCells(r: Reload): string {
  return `${r.replicas.filter((x) => Number.isFinite(x.seenMs)).map((x) => `${x.label} ${secs(x.seenMs)}`).join(', ')} (polled every ${READY_POLL_MS} ms from a worker thread; longest gap between two polls ${Math.max(...r.replicas.map((x) => x.maxGapMs))} ms)`
}

function perReplicaTable(r: Report): string {
  const lines = [
    '| replica | asks answered (load) | p50 ms | p99 ms | max ms | asks answered (logging vs no-log phase) | eventIds returned | events in DB (by id) | missing | dropped (metrics) | queued at SIGTERM | write errors | exit | CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  const name: Record<string, string> = { r2: 'r2 (SIGKILLed)', r2b: 'r2b (r2 restarted)', r4: 'r4 (--no-log)' }
  const n = (v: number) => (Number.isNaN(v) ? '–' : int(v))
  for (const x of r.perReplica) {
    const db = `${int(x.recorded)}${x.recordedOtherReplica ? ` (+${x.recordedOtherReplica} under another replica)` : ''}${x.extraRows ? ` (+${x.extraRows} no client got)` : ''}`
    lines.push(`| ${name[x.label] ?? x.label} | ${int(x.answered)} | ${ms(x.p50)} | ${ms(x.p99)} | ${ms(x.max)} | ${int(x.compareAnswered)} | ${int(x.withId)} | ${db} | ${int(x.missing)} | ${n(x.dropped)} | ${x.label === 'r2' ? `${n(x.queued)} (at the kill)` : n(x.queued)} | ${n(x.writeErrors)} | ${x.exit} | ${Number.isNaN(x.cpu) ? '–' : x.cpu.toFixed(0)} |`)
  }
  return lines.join('\n')
}

type Met = true | false | 'partly'

function goals(r: Report): Array<{ goal: string; met: Met; detail: string }> {
  const stopped = r.perReplica.filter((x) => x.label !== 'r2' && x.label !== 'r4')
  const missingStopped = stopped.reduce((a, x) => a + x.missing, 0)
  const droppedStopped = stopped.reduce((a, x) => a + (Number.isNaN(x.dropped) ? 0 : x.dropped), 0)
  const unexplained = stopped.reduce((a, x) => a + Math.max(0, x.missing - (Number.isNaN(x.dropped) ? 0 : x.dropped)), 0)
  const k = r.kill
  return [
    {
      goal: '0 failed asks',
      met: r.failures.count === 0,
      detail: `${int(r.failures.count)} failed${r.failures.count ? ` (${listCounts(r.failures.reasons)})` : ''}; ${int(r.retries.count)} retries after connection errors, ${Object.keys(r.retries.by).every((key) => / to r2 /.test(key)) ? 'all of them to the SIGKILLed replica' : 'some to replicas that were not killed (see the retries row)'}`,
    },
    {
      goal: 'every answered ask recorded, or counted as dropped with a reason',
      met: unexplained > 0 ? false : k.lost > 0 ? 'partly' : true,
      detail:
        `replicas stopped with SIGTERM: ${int(missingStopped)} answered asks missing from the database, ${int(droppedStopped)} counted as dropped by their replica. ` +
        `The SIGKILLed replica 2: ${int(k.lost)} of the ${int(k.answeredBeforeKill)} asks it answered are in no table and no counter (its queue in memory; /metrics ${ms(k.scrapeToKillMs)} ms before the kill showed ${int(k.queuedAtKill)} queued, ` +
        `${(k.queuedAtKill / Math.max(1, k.ratePerS)).toFixed(1)} s of its ${k.ratePerS.toFixed(0)} asks/s, though the flush interval is ${FLUSH_INTERVAL_MS / 1000} s: under this load the writes lag; part of the queue was the batch being written, which PostgreSQL committed)`,
    },
    {
      goal: 'every replica serves the new generation ≤ 2 s after the notification',
      met: r.reloadUnderLoad.maxLoadedMs <= 2_000 && r.reloadAtRest.maxLoadedMs <= 2_000 ? true : r.reloadAtRest.maxLoadedMs <= 2_000 ? 'partly' : false,
      detail: `at rest ${secs(r.reloadAtRest.maxLoadedMs)} (${reloadCells(r.reloadAtRest)}); under the load ${secs(r.reloadUnderLoad.maxLoadedMs)} (${reloadCells(r.reloadUnderLoad)}), by each replica's loadedAt`,
    },
  ]
}

function render(r: Report): string {
  const mark = (m: Met) => (m === true ? 'met' : m === 'partly' ? '**partly met**' : '**not met**')
  const args = [ASKS !== 50_000 ? `--asks ${ASKS}` : '', CLIENTS !== 200 ? `--clients ${CLIENTS}` : '', COMPARE_ASKS !== 5_000 ? `--compare ${COMPARE_ASKS}` : ''].filter(Boolean).join(' ')
  const cmd = `npm run build && npx tsx bench/serve-load.ts${args ? ` ${args}` : ''}`
  const m = r.machine
  const c = r.compare
  const out: string[] = []
  out.push('## Serve: load and fault (bench/serve-load.ts)')
  out.push('')
  out.push(`${r.environment} PostgreSQL ${r.postgres} (a throwaway cluster, fsync on). Reproduce: \`${cmd}\` (this run: ${(r.totalSeconds / 60).toFixed(1)} minutes).`)
  out.push('')
  out.push(
    `Machine: ${m.cores} cores shared by everything: the bench's ${CLIENTS} clients (one Node process), the 4 replicas, PostgreSQL, and other sessions' work (load average ${m.loadStart.map((v) => v.toFixed(1)).join(' / ')} at the start, ${m.loadEnd.map((v) => v.toFixed(1)).join(' / ')} at the end). ` +
      `During the ${r.load.seconds.toFixed(0)} s of load the cores were ${(m.busyShare * 100).toFixed(0)}% busy, ${m.busyCpuS.toFixed(0)} CPU s: the replicas ${m.replicasCpuS.toFixed(0)} (${((m.replicasCpuS * 1000) / Math.max(1, r.load.answered)).toFixed(1)} ms per ask, the generation loads included), the bench's clients ${m.benchCpuS.toFixed(0)}, PostgreSQL ${m.postgresCpuS.toFixed(0)}, the rest (other sessions, the publish process) about ${Math.max(0, m.busyCpuS - m.replicasCpuS - m.benchCpuS - m.postgresCpuS).toFixed(0)} (the counters are read at slightly different moments). ` +
      `${CLIENTS} clients keep every replica saturated (about ${Math.round(CLIENTS / 3)} requests in flight each): latency is mostly queueing, and throughput is what this box gives with the load generator on the same cores. The counts (failures, events, feedback) do not depend on the machine.`,
  )
  out.push('')
  out.push(
    `Setup: ${int(ASKS)} asks (fixtures/shop-faq/queries.jsonl, ja/ko/en/zh, cycled) from ${CLIENTS} concurrent keep-alive clients, round-robin per request over replicas 1-3 (\`kotae serve --store\`, log level ${LOG_LEVEL}, the hit log's defaults: flush every ${FLUSH_INTERVAL_MS / 1000} s, feedback waits up to ${FEEDBACK_WAIT_MS / 1000} s for an event another replica still holds); ` +
      `feedback on every ${FEEDBACK_EVERY}th answered ask with an eventId, ${FEEDBACK_DELAY_MS / 1000} s after the answer, to the next replica in the rotation. ` +
      `A connection error takes a replica out of the rotation until its /readyz answers (checked every ${HEALTH_CHECK_MS} ms) and the request is retried on another: a retry. A failure is an error status, a timeout (${REQUEST_TIMEOUT_MS / 1000} s), or a wrong body (not JSON, no decision, an unknown generation, an answer text of another generation). ` +
      `Generations: the shop FAQ as it is, then twice with every answer revised (a marker per generation, checked in every answer). Faults, at shares of the asks sent: ${AT.publish * 100}% a rebuild published with \`kotae publish\`; ${AT.kill * 100}% replica 2 SIGKILLed, restarted ${RESTART_DELAY_MS / 1000} s later on its port; ${AT.dbRestart * 100}% PostgreSQL restarted (\`pg_ctl stop -m fast\` + start). ` +
      'Reload times are from the notification (the publish\'s commit, as a LISTENing worker thread received it) to each replica\'s own `loadedAt` (from then on it answers from the new generation); when the replicas were first seen serving it in /readyz is given too.',
  )
  out.push('')
  out.push('| figure | value |')
  out.push('|---|---|')
  out.push(`| throughput (load phase, 3 replicas) | ${r.load.throughput.toFixed(0)} asks/s (${int(r.load.answered)} answered in ${r.load.seconds.toFixed(1)} s) |`)
  out.push(`| client latency, every ask, retries included | p50 ${ms(r.load.e2eP50)} ms, p99 ${ms(r.load.e2eP99)} ms, max ${ms(r.load.e2eMax)} ms |`)
  out.push(`| failed asks | ${int(r.failures.count)}${r.failures.count ? ` (${listCounts(r.failures.reasons)})` : ''}; during the database restart (and 5 s after): ${int(r.failures.duringDbRestart)} |`)
  out.push(`| retries (connection errors, retried on another replica) | ${int(r.retries.count)}: ${listCounts(r.retries.by)} |`)
  out.push(`| reload at rest (no traffic): every replica serves the new generation | ${secs(r.reloadAtRest.maxLoadedMs)} after the notification (${reloadCells(r.reloadAtRest)}); seen in /readyz: ${seenCells(r.reloadAtRest)} |`)
  out.push(`| reload under the load: every replica serves the new generation | ${secs(r.reloadUnderLoad.maxLoadedMs)} after the notification (${reloadCells(r.reloadUnderLoad)}); seen in /readyz: ${seenCells(r.reloadUnderLoad)} |`)
  out.push(`| \`kotae publish\`, process start to exit (at rest / under the load) | ${secs(r.reloadAtRest.publishMs)} / ${secs(r.reloadUnderLoad.publishMs)}; the commit was notified ${secs(r.reloadAtRest.notifyAfterPublishStartMs)} / ${secs(r.reloadUnderLoad.notifyAfterPublishStartMs)} after the start |`)
  out.push(`| replica 2: SIGKILL → restarted and ready | ${secs(r.kill.downMs)} (restart ${RESTART_DELAY_MS / 1000} s after the kill; it started on ${r.kill.restartedGeneration === r.reloadUnderLoad.generation ? 'the new generation' : r.kill.restartedGeneration}); retries meanwhile: ${int(r.kill.retriesWhileDown)} |`)
  out.push(`| events lost uncounted with the SIGKILLed replica | ${int(r.kill.lost)} of the ${int(r.kill.answeredBeforeKill)} asks it answered (${int(r.kill.queuedAtKill)} queued ${ms(r.kill.scrapeToKillMs)} ms before the kill) |`)
  out.push(`| PostgreSQL restart | ${secs(r.dbRestart.ms)} |`)
  out.push(`| feedback | ${int(r.feedback.sent)} sent, ${int(r.feedback.accepted)} accepted (all ${int(r.feedback.acceptedFound) === int(r.feedback.accepted) ? '' : 'but some '}found in the database by id: ${int(r.feedback.acceptedFound)}), ${int(r.feedback.rows)} rows in the database; rejected: ${listCounts(r.feedback.categories)}; events with more than one feedback row: ${int(r.feedback.duplicateEvents)} (${int(r.feedback.duplicateRows)} extra rows; ${int(r.feedback.duplicatesAfterRetry)} of them are feedback accepted after a retry: ${int(r.feedback.retriedAccepted)} accepted feedback were retried after a connection error) |`)
  out.push(`| one ask at a time (${int(COMPARE_SEQ)}, alternately): with the PostgreSQL log (r1) / \`--no-log\` (r4) | p50 ${ms(c.seq.log.p50)} / ${ms(c.seq.noLog.p50)} ms, p99 ${ms(c.seq.log.p99)} / ${ms(c.seq.noLog.p99)} ms, mean ${ms(c.seq.log.mean)} / ${ms(c.seq.noLog.mean)} ms |`)
  out.push(`| ${COMPARE_CLIENTS} clients (${int(COMPARE_ASKS)} asks, blocks of ${COMPARE_BLOCK} to one replica at a time, alternating): log / no log | p50 ${ms(c.blocks.log.p50)} / ${ms(c.blocks.noLog.p50)} ms, p99 ${ms(c.blocks.log.p99)} / ${ms(c.blocks.noLog.p99)} ms; replica CPU per ask ${c.blocks.log.cpuMs.toFixed(2)} / ${c.blocks.noLog.cpuMs.toFixed(2)} ms, PostgreSQL CPU per ask ${c.blocks.log.pgCpuMs.toFixed(2)} / ${c.blocks.noLog.pgCpuMs.toFixed(2)} ms |`)
  out.push('')
  out.push(`The logging-vs-no-log figures are small differences on 2 shared cores: the one-at-a-time asks give the cost of one ask; the ${COMPARE_CLIENTS}-client blocks are mostly queueing and move by tens of ms from run to run, and PostgreSQL's CPU in a block includes its background work (checkpoints, autovacuum after the load's inserts), wherever it falls.`)
  out.push('')
  out.push('Per replica process (latency: client-measured, the attempt that answered, load phase; events matched by event id after every replica stopped; metrics read just before SIGTERM, for r2 just before the SIGKILL):')
  out.push('')
  out.push(perReplicaTable(r))
  out.push('')
  out.push('Goals:')
  out.push('')
  for (const g of goals(r)) out.push(`- ${g.goal}: ${mark(g.met)}. ${g.detail}.`)
  out.push('')
  out.push(`Timeline of the load (s from its start): ${r.timeline.map((t) => `${(t.at / 1000).toFixed(1)} ${t.what}`).join('; ')}.`)
  out.push('')
  out.push(`Asks slower than ${SLOW_MS / 1000} s, by replica and the 5-s window they were sent in: ${Object.entries(r.slow).filter(([, w]) => Object.keys(w).length).map(([label, w]) => `${label}: ${Object.entries(w).sort((a, b) => parseFloat(a[0]) - parseFloat(b[0])).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ') || 'none'}.`)
  const notes = [...r.unexpected, ...r.failures.samples.map((s) => `failure: ${s}`)]
  out.push('')
  out.push('Seen during the run:')
  out.push('')
  for (const n of notes) out.push(`- ${n.replace(/\n/g, ' ')}`)
  out.push(`- feedback rejections by where the event was answered and where the feedback went: ${listCounts(r.feedback.byTarget) || 'none'}`)
  for (const s of r.feedback.samples) out.push(`- a rejection: ${s.replace(/\n/g, ' ').replace(/postgres:\/\/\S+?\/postgres/g, '<store>')}`)
  const logLines = Object.entries(r.serverLogs).flatMap(([label, counts]) => Object.entries(counts).map(([text, n]) => `${label}: ${n} × ${text}`))
  if (logLines.length > 0) {
    out.push('')
    out.push('Replica log lines at warn and above (numbers as N, the store URL as <store>):')
    out.push('')
    out.push('```')
    for (const l of logLines.slice(0, 40)) out.push(l)
    if (logLines.length > 40) out.push(`… ${logLines.length - 40} more`)
    out.push('```')
  }
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Main: a hard time limit, and the cleanup whatever happens

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kotae-serve-load-'))
  const cleanup: { cluster?: unknown } = {}
  let timer: NodeJS.Timeout | undefined
  let check: NodeJS.Timeout | undefined
  process.once('SIGINT', () => {
    aborted = 'interrupted'
  })
  let exitCode = 0
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        aborted = 'timeout'
        reject(new Error(`the bench did not finish within ${TIMEOUT_MS / 60_000} minutes (--timeout-min)`))
      }, TIMEOUT_MS)
    })
    const interrupted = new Promise<never>((_, reject) => {
      check = setInterval(() => aborted === 'interrupted' && reject(new Error('interrupted')), 200)
    })
    const report = await Promise.race([run(work, cleanup), timeout, interrupted])
    const text = render(report)
    console.log(`\n${text}\n`)
    writeSection('serve-load', text)
    console.log('written to bench/RESULTS.md (serve-load section)')
  } catch (error) {
    stopBar()
    console.error(`serve-load failed: ${(error as Error).stack ?? error}`)
    for (const p of started) console.error(`--- ${p.label} stderr (last lines) ---\n${tail(p.errFile)}\n--- ${p.label} stdout (last lines) ---\n${tail(p.outFile, 5)}`)
    exitCode = 1
  } finally {
    clearTimeout(timer)
    clearInterval(check)
    aborted ??= 'done'
    for (const p of started) {
      if (!p.exited) p.child.kill('SIGKILL')
      p.agent.destroy()
    }
    await Promise.all(started.map((p) => Promise.race([p.exit, sleep(5_000)])))
    if (cleanup.cluster) {
      try {
        stopCluster(cleanup.cluster)
      } catch (err) {
        console.error(`could not stop the PostgreSQL cluster: ${(err as Error).message}`)
      }
    }
    if (KEEP) console.error(`kept ${work} (replica logs under logs/)`)
    else rmSync(work, { recursive: true, force: true })
  }
  process.exit(exitCode)
}

await main()
