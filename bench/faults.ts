/**
 * Fault bench for the knowledge-base store (`npx tsx bench/faults.ts`, after `npm run build`):
 * runs rounds of each fault a user meets and counts unreadable bases and silent losses (a build
 * that said it succeeded but whose base does not load, or a failed build that took the previous
 * base with it). Faults, each through the real CLI (`node dist/cli/main.js build`) or the API:
 * - two `kotae build` processes into one folder at once;
 * - a reader looping `loadKnowledgeBase` while another process saves again and again;
 * - `kill -9` of a build at a random moment (half of the rounds inside the save itself), then
 *   the next build, which must take the dead build's lock over and clean its partial generation;
 * - a full disk: a small tmpfs (needs root and `mount`), else ENOSPC injected through the
 *   store's test seam at a random write.
 * Writes its table to bench/RESULTS.md between `<!-- faults:start -->` and `<!-- faults:end -->`.
 * Options: `--rounds N` (rounds of concurrent builds, default 6; kills and full disks get N + 2),
 * `--saves N` (writer saves in the reader race, default 30). About 2 minutes on 2 idle cores.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildKnowledgeBase, BuiltinEmbedder, KotaeError, loadKnowledgeBase } from '../src/index.js'
import { loadFaqEntries } from '../src/ingest/index.js'
import { errnoError, injectFaultsForTesting } from '../src/kb/fsio.js'
import { environmentLine, ROOT, writeSection } from './results.js'

const CLI = join(ROOT, 'dist/cli/main.js')
const SHOP_FAQ = join(ROOT, 'fixtures/shop-faq/faq.jsonl')

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

function cli(args: string[]): Promise<Run> {
  const started = performance.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: performance.now() - started })
    })
  })
}

/** A raw Node stack in a CLI's stderr: the user got a crash, not a message. */
const rawStack = (run: Run) => /^\s+at .+:\d+:\d+\)?$/m.test(run.stderr)

/** Entries in the base at `dir`, or the error code when it does not load. */
async function probe(dir: string): Promise<number | string> {
  try {
    return (await loadKnowledgeBase(dir)).entries.length
  } catch (error) {
    return error instanceof KotaeError ? error.code : String(error)
  }
}

/** What the store left that it should not: a lock, a takeover file, a temp manifest, or more than two generations. */
function leftovers(dir: string, allowedGenerations = 2): string[] {
  const names = readdirSync(dir)
  const gens = names.filter((n) => n.startsWith('gen-'))
  return [...names.filter((n) => n.startsWith('.')), ...(gens.length > allowedGenerations ? [`${gens.length} generations`] : [])]
}

function freshDist(): void {
  const built = join(ROOT, 'dist/kb/store.js')
  const stale = !existsSync(CLI) || readdirSync(join(ROOT, 'src/kb')).some((n) => !existsSync(join(ROOT, 'dist/kb', n.replace(/\.ts$/, '.js'))) || statSync(join(ROOT, 'src/kb', n)).mtimeMs > statSync(built).mtimeMs)
  if (stale) {
    console.log('dist/ is older than src/kb/: running npm run build')
    spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  }
}

/** One row of the results table. */
interface Row {
  fault: string
  rounds: number
  unreadable: number
  silentLosses: number
  notes: string
  seconds: number
  /** An example of the error a user saw. */
  sample?: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function concurrentBuilds(work: string, faqs: { big: string; small: string; bigEntries: number; smallEntries: number }, rounds: number): Promise<Row> {
  const started = performance.now()
  const dir = join(work, 'concurrent')
  let unreadable = 0
  let losses = 0
  let bothOk = 0
  let locked = 0
  let stacks = 0
  for (let round = 0; round < rounds; round++) {
    if (round === Math.floor(rounds / 2)) rmSync(dir, { recursive: true, force: true }) // half the rounds into a new folder, half over a base
    const runs = await Promise.all([cli(['build', faqs.big, '-o', dir]), cli(['build', faqs.small, '-o', dir])])
    const got = await probe(dir)
    if (typeof got !== 'number') unreadable++
    const succeeded = runs.map((r, i) => (r.code === 0 ? [faqs.bigEntries, faqs.smallEntries][i] : null)).filter((n) => n !== null)
    if (succeeded.length === 0 || (typeof got === 'number' && !succeeded.includes(got))) losses++
    if (runs.every((r) => r.code === 0)) bothOk++
    locked += runs.filter((r) => r.code !== 0 && /\[KB_LOCKED\]/.test(r.stderr)).length
    stacks += runs.filter(rawStack).length
    if (leftovers(dir).length > 0) losses++
  }
  return { fault: 'two `kotae build` into one folder at once', rounds, unreadable, silentLosses: losses, notes: `both succeeded (second waited) ${bothOk}, loser failed with KB_LOCKED ${locked}, raw stacks ${stacks}`, seconds: (performance.now() - started) / 1000 }
}

async function readerRace(work: string, faqs: { big: string; small: string }, saves: number): Promise<Row> {
  const started = performance.now()
  const dir = join(work, 'race')
  const first = await cli(['build', faqs.small, '-o', dir])
  if (first.code !== 0) throw new Error(first.stderr)
  const writer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--writer', dir, String(saves), faqs.big, faqs.small], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  let done = false
  let written = 0
  writer.stdout.on('data', (d: Buffer) => (written += String(d).split('\n').filter((l) => l.startsWith('saved')).length))
  const exited = new Promise<number | null>((resolve) => writer.on('exit', (code) => ((done = true), resolve(code))))
  let loads = 0
  let failures = 0
  const codes = new Map<string, number>()
  while (!done) {
    const got = await probe(dir)
    if (typeof got === 'number') loads++
    else {
      failures++
      codes.set(got, (codes.get(got) ?? 0) + 1)
    }
  }
  const code = await exited
  return {
    fault: 'reader looping `loadKnowledgeBase` while another process saves',
    rounds: loads + failures,
    unreadable: failures,
    silentLosses: code === 0 && written === saves ? 0 : 1,
    notes: `${written} saves by the writer, ${loads} loads ok${failures ? `, failures ${[...codes].map(([c, n]) => `${c} ×${n}`).join(', ')}` : ''}`,
    seconds: (performance.now() - started) / 1000,
  }
}

async function killedBuilds(work: string, faqs: { big: string; small: string; bigEntries: number; smallEntries: number }, rounds: number): Promise<Row> {
  const started = performance.now()
  const dir = join(work, 'killed')
  const first = await cli(['build', faqs.small, '-o', dir])
  if (first.code !== 0) throw new Error(first.stderr)
  // One undisturbed build over a base, timing the whole build and its save (while the lock exists).
  const timingDir = join(work, 'timing')
  await cli(['build', faqs.small, '-o', timingDir])
  const timed = cli(['build', faqs.big, '-o', timingDir])
  let lockSeen = 0
  let lockGone = 0
  for (let finished = false; !finished; ) {
    const held = existsSync(join(timingDir, '.lock'))
    if (held && !lockSeen) lockSeen = performance.now()
    if (!held && lockSeen && !lockGone) lockGone = performance.now()
    finished = await Promise.race([timed.then(() => true), sleep(1).then(() => false)])
  }
  const timing = await timed
  const saveMs = Math.max(50, (lockGone || performance.now()) - lockSeen)
  let unreadable = 0
  let losses = 0
  let inSave = 0
  let killedBefore = 0
  let finished = 0
  let slowRecovery = 0
  for (let round = 0; round < rounds; round++) {
    const duringSave = round % 2 === 1
    const child = spawn(process.execPath, [CLI, 'build', faqs.big, '-o', dir], { cwd: ROOT, stdio: 'ignore' })
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
    if (duringSave) {
      // Wait for the lock (the save has begun), then kill within 1.3 × the save's duration (some kills land after the commit).
      const deadline = Date.now() + timing.ms * 3
      while (!existsSync(join(dir, '.lock')) && Date.now() < deadline) await sleep(1)
      await sleep(Math.random() * saveMs * 1.3)
    } else {
      await sleep(Math.random() * timing.ms)
    }
    const wasInSave = existsSync(join(dir, '.lock'))
    child.kill('SIGKILL')
    await exited
    if (wasInSave) inSave++
    const got = await probe(dir)
    if (typeof got !== 'number') unreadable++
    else if (got === faqs.bigEntries) finished++
    else if (got === faqs.smallEntries) killedBefore++
    else losses++
    // The next build must take the dead build's lock over at once and leave a clean folder.
    const next = await cli(['build', faqs.small, '-o', dir])
    if (next.code !== 0 || (await probe(dir)) !== faqs.smallEntries) losses++
    if (next.ms > timing.ms + 4000) slowRecovery++
    if (leftovers(dir).length > 0) losses++
  }
  return {
    fault: '`kill -9` of a build at a random moment',
    rounds,
    unreadable,
    silentLosses: losses,
    notes: `killed inside the save (lock held; a save takes ~${Math.round(saveMs)} ms) ${inSave}; base after the kill: previous ${killedBefore}, new ${finished}; next build waited for a stale lock ${slowRecovery}`,
    seconds: (performance.now() - started) / 1000,
  }
}

function du(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, name))
    if (s.isFile()) total += s.size
  }
  return total
}

async function diskFull(work: string, faqs: { big: string; small: string; bigEntries: number; smallEntries: number }, rounds: number): Promise<Row> {
  const started = performance.now()
  const mount = join(work, 'disk')
  mkdirSync(mount)
  const probeMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount])
  if (probeMount.status === 0) spawnSync('umount', [mount])
  if (probeMount.status !== 0) return diskFullInjected(work, faqs, rounds, started)

  const reference = join(work, 'reference')
  await cli(['build', faqs.small, '-o', join(reference, 'small')])
  await cli(['build', faqs.big, '-o', join(reference, 'big')])
  const smallBytes = du(join(reference, 'small'))
  const bigBytes = du(join(reference, 'big'))
  let unreadable = 0
  let losses = 0
  let failedClean = 0
  let succeeded = 0
  let stacks = 0
  let unclear = 0
  let sample = ''
  const failedAt = new Map<string, number>()
  for (let round = 0; round < rounds; round++) {
    // Room for the existing base plus 5%–120% of the new one: most rounds run out of space, at a different file each time.
    const size = Math.ceil((smallBytes + bigBytes * (0.05 + (1.15 * round) / Math.max(1, rounds - 1)) + 64 * 1024) / 4096) * 4096
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]).status !== 0) throw new Error('mount failed')
    try {
      const dir = join(mount, 'kb')
      cpSync(join(reference, 'small'), dir, { recursive: true }) // the previous base, as a build left it
      const run = await cli(['build', faqs.big, '-o', dir])
      const got = await probe(dir)
      if (typeof got !== 'number') unreadable++
      if (run.code === 0) {
        succeeded++
        if (got !== faqs.bigEntries) losses++
      } else {
        if (got !== faqs.smallEntries) losses++
        if (leftovers(dir, 1).length > 0) losses++
        else failedClean++
        if (!/\[KB_WRITE\].*(disk is full|ENOSPC|not what was written)/.test(run.stderr)) unclear++
        if (!sample) sample = run.stderr.trim().split('\n').find((l) => l.includes('[KB_WRITE]')) ?? ''
        const at = /(?:writing|creating the lock file|syncing the folder) (\S+) failed/.exec(run.stderr)?.[1]
        const file = at ? (at.split('/').pop() ?? at).replace(/^\.manifest-gen-.*\.tmp$/, 'manifest temp').replace(/^gen-.*$/, 'generation folder') : 'other'
        failedAt.set(file, (failedAt.get(file) ?? 0) + 1)
      }
      if (rawStack(run)) stacks++
    } finally {
      spawnSync('umount', ['-l', mount])
    }
  }
  return {
    fault: 'disk full (tmpfs sized between the old base and old + 1.2 × new)',
    rounds,
    unreadable,
    silentLosses: losses,
    notes: `build failed with KB_WRITE, previous base intact, no partial generation ${failedClean} (at ${[...failedAt].map(([f, n]) => `${f} ×${n}`).join(', ')}); fitted and succeeded ${succeeded}; unclear messages ${unclear}; raw stacks ${stacks}`,
    sample: sample.replaceAll(work, '$TMP'),
    seconds: (performance.now() - started) / 1000,
  }
}

/** Without a tmpfs: ENOSPC injected at a random write of an in-process save (or hnswlib's silent truncation). */
async function diskFullInjected(work: string, faqs: { big: string; small: string; bigEntries: number; smallEntries: number }, rounds: number, started: number): Promise<Row> {
  const embedder = () => new BuiltinEmbedder({ dimension: 256 })
  const small = await buildKnowledgeBase(await loadFaqEntries(faqs.small), { embedder: embedder() })
  const big = await buildKnowledgeBase(await loadFaqEntries(faqs.big), { embedder: embedder() })
  let unreadable = 0
  let losses = 0
  for (let round = 0; round < rounds; round++) {
    const dir = join(work, `injected-${round}`)
    await small.save(dir)
    const nth = 1 + Math.floor(Math.random() * 11)
    let writes = 0
    injectFaultsForTesting((point, path) => {
      if (point === 'write' && ++writes === nth) throw errnoError('ENOSPC', 'write', path)
    })
    try {
      await big.save(dir)
      losses++ // the fault must have been hit
    } catch (error) {
      if (!(error instanceof KotaeError) || error.code !== 'KB_WRITE') losses++
    } finally {
      injectFaultsForTesting(null)
    }
    const got = await probe(dir)
    if (typeof got !== 'number') unreadable++
    else if (got !== faqs.smallEntries || leftovers(dir, 1).length > 0) losses++
  }
  return { fault: 'disk full (no tmpfs here: ENOSPC injected at a random write)', rounds, unreadable, silentLosses: losses, notes: 'every save failed with KB_WRITE', seconds: (performance.now() - started) / 1000 }
}

/** `--writer <dir> <saves> <faqA> <faqB>`: the writer process of the reader race. */
async function writer(dir: string, saves: number, faqA: string, faqB: string): Promise<void> {
  const bases = [await buildKnowledgeBase(await loadFaqEntries(faqA), { embedder: new BuiltinEmbedder({ dimension: 256 }) }), await buildKnowledgeBase(await loadFaqEntries(faqB), { embedder: new BuiltinEmbedder({ dimension: 256 }) })]
  for (let i = 0; i < saves; i++) {
    await bases[i % 2].save(dir, { lockTimeoutMs: 60_000 })
    console.log(`saved ${i + 1}`)
  }
}

async function main(): Promise<void> {
  const w = process.argv.indexOf('--writer')
  if (w >= 0) {
    const [dir, saves, a, b] = process.argv.slice(w + 1)
    return writer(dir, Number(saves), a, b)
  }
  const rounds = option('rounds', 6)
  const saves = option('saves', 30)
  freshDist()
  const work = mkdtempSync(join(tmpdir(), 'kotae-faults-'))
  const started = performance.now()
  const load = loadavg()[0]
  try {
    const lines = readFileSync(SHOP_FAQ, 'utf8').split('\n').filter(Boolean)
    const small = join(work, 'faq-small.jsonl')
    writeFileSync(small, lines.slice(0, 40).join('\n') + '\n')
    const faqs = { big: SHOP_FAQ, small, bigEntries: lines.length, smallEntries: 40 }
    const rows: Row[] = []
    for (const step of [() => concurrentBuilds(work, faqs, rounds), () => readerRace(work, faqs, saves), () => killedBuilds(work, faqs, rounds + 2), () => diskFull(work, faqs, rounds + 2)]) {
      const row = await step()
      console.log(`${row.fault}: ${row.rounds} rounds, ${row.unreadable} unreadable, ${row.silentLosses} silent losses (${row.notes}) in ${row.seconds.toFixed(1)} s`)
      rows.push(row)
    }
    const total = (performance.now() - started) / 1000
    const body = [
      '## Store integrity under faults (`npx tsx bench/faults.ts`)',
      '',
      `${environmentLine(['kotae', 'hnswlib-node'])} Total run time ${total.toFixed(0)} s (load average ${load.toFixed(1)} on ${availableParallelism()} cores at the start: other work slows the times, not the counts).`,
      `Bases: shop-faq (${faqs.bigEntries} entries, about 10 MB on disk) and its first ${faqs.smallEntries} entries; builds through \`node dist/cli/main.js build\`.`,
      'Unreadable: the folder did not load after the round. Silent loss: a build said it succeeded but its base is not the one that loads, a failed build took the previous base with it, or the folder kept a lock, a temp manifest or a partial generation.',
      '',
      '| fault | rounds | unreadable | silent losses | details | time |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.fault} | ${r.rounds} | ${r.unreadable} | ${r.silentLosses} | ${r.notes} | ${r.seconds.toFixed(0)} s |`),
      ...rows.filter((r) => r.sample).flatMap((r) => ['', `What a user sees (${r.fault}):`, '', '```', r.sample!, '```']),
    ].join('\n')
    writeSection('faults', body)
    console.log(`\nwritten to bench/RESULTS.md (faults section); total ${total.toFixed(0)} s`)
    if (rows.some((r) => r.unreadable > 0 || r.silentLosses > 0)) process.exitCode = 1
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
