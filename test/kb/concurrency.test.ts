/**
 * One writer per folder, and readers that never see a writer's clean-up: concurrent saves
 * through the API and through two `kotae build` processes never leave the folder unreadable
 * (the loser waits, or fails with KB_LOCKED naming the holder); stale locks (dead pid, crashed
 * creation, another host's old lock, a reused pid) are taken over; a reader looping
 * `loadKnowledgeBase` while another process saves 20 times never gets KB_CORRUPT.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KotaeError, loadKnowledgeBase, readManifest, type KnowledgeBase } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { deadPid, ensureBuiltCli, generations, kotaeError, miniBase, removeTempDirs, runCli, tempDir, writeFaq } from './helpers.js'

let root: string
let big: KnowledgeBase
let small: KnowledgeBase
const sleepers: ChildProcess[] = []

beforeAll(async () => {
  root = tempDir('kotae-kb-lock-')
  big = await miniBase()
  small = await miniBase(12)
})
afterAll(() => {
  for (const child of sleepers) child.kill('SIGKILL')
  removeTempDirs()
})

let folders = 0
const newFolder = () => join(root, `kb-${++folders}`)

/** A live process (not this one) to name in a lock. */
function liveProcess(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' })
  sleepers.push(child)
  return child.pid!
}

function writeLock(dir: string, holder: Partial<{ pid: number; hostname: string; startedAt: string; token: string; generation: string }>, ageMs = 0): void {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, '.lock')
  writeFileSync(path, JSON.stringify({ tool: 'kotae', pid: 1, hostname: hostname(), startedAt: new Date(Date.now() - ageMs).toISOString(), token: 'cafebabe', generation: 'gen-zzzzzzzz-00000000', ...holder }))
  if (ageMs) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs))
}

const entriesIn = async (dir: string) => (await loadKnowledgeBase(dir)).entries.length

describe('concurrent saves through the API', () => {
  it('two saves at once into a new folder: both complete (the second waited), the base loads, no lock left', async () => {
    const dir = newFolder()
    await Promise.all([big.save(dir), small.save(dir)])
    expect([32, 12]).toContain(await entriesIn(dir))
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
    expect(generations(dir)).toHaveLength(2)
  })

  it('four saves at once over an existing base: all complete in turn, the folder keeps two generations', async () => {
    const dir = newFolder()
    await small.save(dir)
    await Promise.all([big.save(dir), small.save(dir), big.save(dir), small.save(dir)])
    expect([32, 12]).toContain(await entriesIn(dir))
    const manifest = await readManifest(dir)
    expect(generations(dir)).toEqual([manifest.generation, manifest.history[0]].sort())
  })

  it('a writer held up longer than lockTimeoutMs: KB_LOCKED naming the holder (pid, host, since when) and what to do', async () => {
    const dir = newFolder()
    await small.save(dir)
    const pid = liveProcess()
    const startedAt = new Date(Date.now() - 3000).toISOString()
    writeLock(dir, { pid, startedAt })
    const started = Date.now()
    const error = await kotaeError(() => big.save(dir, { lockTimeoutMs: 300 }))
    const waited = Date.now() - started
    expect(error.code).toBe('KB_LOCKED')
    expect(error.message).toContain(`pid ${pid} on host ${hostname()}, since ${startedAt}`)
    expect(error.message).toContain(join(dir, '.lock'))
    expect(error.message).toMatch(/Waited 0\.\d s\. Let that build finish and save again/)
    expect((error.details.holder as { pid: number }).pid).toBe(pid)
    expect(waited).toBeGreaterThanOrEqual(290)
    expect(waited).toBeLessThan(3000)
    // Nothing of the refused save is left; the base is the one saved before.
    expect(await entriesIn(dir)).toBe(12)
    expect(generations(dir)).toHaveLength(1)
  })

  it('KB_LOCKED through the CLI is a one-line error, not a stack', async () => {
    ensureBuiltCli()
    const dir = newFolder()
    await small.save(dir)
    const pid = liveProcess()
    writeLock(dir, { pid })
    const run = await runCli(['build', writeFaq(join(root, 'locked-faq.jsonl'), MINI_FAQ.slice(0, 8)), '-o', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`error \\[KB_LOCKED\\]: .*pid ${pid} on host`))
    expect(run.stderr).not.toMatch(/^\s+at /m)
  })
})

describe('stale locks are taken over at once', () => {
  it('a dead pid on this host (a killed build): taken over, its partial generation removed', async () => {
    const dir = newFolder()
    await small.save(dir)
    const partial = 'gen-zzzzzzzz-0000dead'
    mkdirSync(join(dir, partial))
    writeFileSync(join(dir, partial, 'entries.jsonl'), 'half')
    writeLock(dir, { pid: deadPid(), generation: partial })
    const started = Date.now()
    await big.save(dir, { lockTimeoutMs: 0 })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await entriesIn(dir)).toBe(32)
    expect(generations(dir)).not.toContain(partial)
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('an empty lock file older than a few seconds (a writer died creating it)', async () => {
    const dir = newFolder()
    await small.save(dir)
    writeFileSync(join(dir, '.lock'), '')
    utimesSync(join(dir, '.lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    await big.save(dir, { lockTimeoutMs: 0 })
    expect(await entriesIn(dir)).toBe(32)
  })

  it('another host\'s lock older than staleLockMs; a fresh one from another host is respected', async () => {
    const dir = newFolder()
    await small.save(dir)
    writeLock(dir, { hostname: 'other-host', pid: 4242 })
    const error = await kotaeError(() => big.save(dir, { lockTimeoutMs: 100, staleLockMs: 60_000 }))
    expect(error.code).toBe('KB_LOCKED')
    expect(error.message).toContain('pid 4242 on host other-host')
    writeLock(dir, { hostname: 'other-host', pid: 4242 }, 120_000)
    await big.save(dir, { lockTimeoutMs: 100, staleLockMs: 60_000 })
    expect(await entriesIn(dir)).toBe(32)
  })

  it('this process\'s own pid with a token it does not hold (a dead process had the same pid)', async () => {
    const dir = newFolder()
    await small.save(dir)
    writeLock(dir, { pid: process.pid, token: 'not-ours' })
    await big.save(dir, { lockTimeoutMs: 0 })
    expect(await entriesIn(dir)).toBe(32)
  })

  it('several writers finding the same stale lock: one takes it over, the others wait their turn', async () => {
    const dir = newFolder()
    await small.save(dir)
    writeLock(dir, { pid: deadPid() })
    await Promise.all([big.save(dir), small.save(dir), big.save(dir)])
    expect([32, 12]).toContain(await entriesIn(dir))
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
  })
})

describe('readers racing a writer', () => {
  it('a reader looping loadKnowledgeBase while another process saves 20 times never gets KB_CORRUPT', async () => {
    const dir = newFolder()
    await big.save(dir)
    const writer = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'writer.ts'), dir, '20'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    writer.stderr.on('data', (d) => (stderr += d))
    let saves = 0
    writer.stdout.on('data', (d: Buffer) => (saves += String(d).split('\n').filter((l) => l.startsWith('saved')).length))
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve))
    let running = true
    void exited.then(() => (running = false))
    const failures: string[] = []
    const seen = new Set<string>()
    let loads = 0
    while (running) {
      try {
        const kb = await loadKnowledgeBase(dir)
        seen.add(String(kb.entries.length))
        loads++
      } catch (error) {
        failures.push(error instanceof KotaeError ? `${error.code}: ${error.message}` : String(error))
      }
    }
    expect(await exited, stderr).toBe(0)
    expect(saves).toBe(20)
    expect(failures).toEqual([])
    expect(loads).toBeGreaterThan(10)
    expect(seen.size).toBe(2) // the reader saw both bases the writer alternates between
  })

  it('the same race inside one process', async () => {
    const dir = newFolder()
    await big.save(dir)
    let done = false
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await (i % 2 ? big : small).save(dir)
      done = true
    })()
    const failures: string[] = []
    while (!done) {
      await loadKnowledgeBase(dir).catch((error: KotaeError) => failures.push(`${error.code}: ${error.message}`))
    }
    await writer
    expect(failures).toEqual([])
  })
})

describe('two `kotae build` processes into one folder', () => {
  it('never leave it unreadable; each exits 0 (it waited) or 1 with KB_LOCKED', async () => {
    ensureBuiltCli()
    const faqA = writeFaq(join(root, 'faq-a.jsonl'), MINI_FAQ)
    const faqB = writeFaq(join(root, 'faq-b.jsonl'), MINI_FAQ.slice(0, 12))
    const dir = newFolder()
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all([runCli(['build', faqA, '-o', dir]), runCli(['build', faqB, '-o', dir])])
      for (const run of runs) {
        if (run.code !== 0) expect(run.stderr).toMatch(/error \[KB_LOCKED\]/)
        expect(run.stderr).not.toMatch(/^\s+at /m)
      }
      expect(runs.some((r) => r.code === 0)).toBe(true)
      expect([32, 12]).toContain(await entriesIn(dir))
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
    }
  })
})
