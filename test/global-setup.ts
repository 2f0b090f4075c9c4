/**
 * vitest global setup: the whole run gets a temp directory of its own, and whatever the tests
 * leave in it is named, then removed.
 *
 * Before the workers start, TMPDIR (and TMP / TEMP) point at a fresh `kotae-test-run-*`
 * folder, so `os.tmpdir()` in every test worker and every process a test spawns (the CLI runs
 * inherit the environment) makes its folders there. At teardown the setup warns about each
 * folder still in it, with the source file that holds its name prefix (the test that most likely
 * made it and did not remove it), and about any new `kotae-*` folder in the system temp
 * directory (made by something that ignores TMPDIR, or by another run at the same time); then it
 * removes the run's folder. A run that is killed leaves that one folder, not one per test.
 *
 * PostgreSQL: unless KOTAE_TEST_DATABASE_URL names a server already, the setup starts a throwaway
 * cluster (scripts/pg-cluster.mjs: Debian's binaries, a temp folder, a free port on 127.0.0.1)
 * and stops it at teardown; the PostgreSQL tests create a database of their own in it
 * (test/helpers/postgres.ts). Without the binaries those tests are skipped, unless
 * KOTAE_REQUIRE_POSTGRES=1 (`.ci/run` sets it), which makes a missing server an error.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
// @ts-expect-error a plain ESM script without types (also run from the command line)
import { findPostgresBin, startCluster, stopCluster } from '../scripts/pg-cluster.mjs'

const ROOT = join(import.meta.dirname, '..')
const ENV_NAMES = ['TMPDIR', 'TMP', 'TEMP'] as const
/** Prefix of a run's own temp directory. */
const RUN_PREFIX = 'kotae-test-run-'
/** Caches other tools keep in the temp directory on purpose (tsx's compile cache, made by the CLI runs): removed with the run's folder, not reported. */
const TOOL_CACHES = [/^tsx-\d+$/]

/** Entries of `dir` whose name starts with `kotae` (the prefix of every temp folder kotae's tests and tools make). */
function kotaeEntries(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.startsWith('kotae'))
  } catch {
    return []
  }
}

/** The TypeScript sources of the repository the leftovers may come from. */
function sources(): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = []
  for (const folder of ['test', 'src', 'bench']) {
    let names: string[] = []
    try {
      names = readdirSync(join(ROOT, folder), { recursive: true }) as string[]
    } catch {
      continue
    }
    for (const name of names) if (name.endsWith('.ts')) out.push({ path: join(folder, name), text: readFileSync(join(ROOT, folder, name), 'utf8') })
  }
  return out
}

/** "name (likely from file, file)": the files whose source holds the folder's prefix (its name without mkdtemp's 6 random characters). */
function describeLeftovers(names: string[]): string[] {
  const files = sources()
  return names.map((name) => {
    const prefix = name.replace(/[A-Za-z0-9]{6}$/, '')
    const from = files.filter((f) => f.text.includes(`'${prefix}`) || f.text.includes(`"${prefix}`) || f.text.includes(`\`${prefix}`)).map((f) => f.path)
    return `  ${name}${from.length > 0 ? ` (prefix '${prefix}': ${from.join(', ')})` : ''}`
  })
}

/** A throwaway PostgreSQL cluster for the run, or null when KOTAE_TEST_DATABASE_URL is given or no server is installed. */
async function startPostgres(): Promise<{ url: string; dir: string } | null> {
  if (process.env.KOTAE_TEST_DATABASE_URL) return null
  if (!findPostgresBin()) {
    if (process.env.KOTAE_REQUIRE_POSTGRES === '1') throw new Error('KOTAE_REQUIRE_POSTGRES=1 but no PostgreSQL server is installed (apt-get install postgresql) and KOTAE_TEST_DATABASE_URL is not set')
    console.warn('[postgres] no PostgreSQL server installed (apt-get install postgresql): the PostgreSQL store tests are skipped')
    return null
  }
  const cluster = await startCluster({ fast: true })
  process.env.KOTAE_TEST_DATABASE_URL = cluster.url
  return cluster
}

export default async function setup(): Promise<() => void> {
  const previous = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]))
  const systemTmp = tmpdir()
  // Before TMPDIR moves: the cluster's folder must be reachable by the `postgres` user.
  const postgres = await startPostgres()
  const before = new Set(kotaeEntries(systemTmp))
  const runDir = mkdtempSync(join(systemTmp, RUN_PREFIX))
  for (const name of ENV_NAMES) process.env[name] = runDir

  return () => {
    if (postgres) {
      stopCluster(postgres)
      delete process.env.KOTAE_TEST_DATABASE_URL
    }
    for (const name of ENV_NAMES) {
      if (previous[name] === undefined) delete process.env[name]
      else process.env[name] = previous[name]
    }
    const leftInRun = readdirSync(runDir).filter((name) => !TOOL_CACHES.some((cache) => cache.test(name)))
    // Another run's own folder (runs at the same time each have one) is not a leftover.
    const newInSystem = kotaeEntries(systemTmp).filter((name) => !before.has(name) && name !== basename(runDir) && !name.startsWith(RUN_PREFIX))
    if (leftInRun.length > 0) {
      console.warn(`[temp folders] ${leftInRun.length} left behind by the tests (now removed with ${runDir}); remove them in the test that makes them (test/helpers/tmp.ts: tempDir + afterAll(removeTempDirs)):\n${describeLeftovers(leftInRun).join('\n')}`)
    }
    if (newInSystem.length > 0) {
      console.warn(`[temp folders] ${newInSystem.length} new in ${systemTmp}, outside the run's TMPDIR (made by something that ignores TMPDIR, or by another run at the same time; not removed):\n${describeLeftovers(newInSystem).join('\n')}`)
    }
    rmSync(runDir, { recursive: true, force: true })
  }
}
