#!/usr/bin/env node
/**
 * A throwaway PostgreSQL cluster on a temp folder and a free local port, for the tests and the
 * load bench (never a system cluster, never a network address beyond 127.0.0.1). Uses Debian's
 * server binaries (`apt-get install postgresql`; `.ci/run` installs them). As root, the cluster
 * runs as the `postgres` user (initdb refuses root).
 *
 *   node scripts/pg-cluster.mjs start            # prints KOTAE_TEST_DATABASE_URL=... and the folder
 *   node scripts/pg-cluster.mjs stop <folder>
 *
 * As a module: `startCluster()`, `restartCluster(cluster)`, `stopCluster(cluster)`, `findPostgresBin()`.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The folder of Debian's PostgreSQL server binaries (newest version), or null when none is installed. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : null
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function postgresUser() {
  if (process.getuid?.() !== 0) return null
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (id.status !== 0) throw new Error('running as root, and there is no `postgres` user to run the cluster as: apt-get install postgresql creates it')
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function run(bin, args, asUser) {
  const [cmd, argv] = asUser ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    throw new Error(`${bin} ${args.join(' ')} failed: ${err.stderr || err.message}`)
  }
}

/**
 * Start a new cluster. `fast` turns off fsync (tests: their data is thrown away). Returns
 * `{ dir, port, url, bin }`; `url` connects as the superuser `kotae` to the `postgres` database.
 */
export async function startCluster({ fast = false, port } = {}) {
  const bin = findPostgresBin()
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql: install them with `apt-get install postgresql`')
  const user = postgresUser()
  const dir = mkdtempSync(join(tmpdir(), 'kotae-pg-'))
  if (user) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'kotae', '-E', 'UTF8', '--no-locale', '--no-sync'], user)
  const cluster = { dir, data, port: port ?? (await freePort()), bin, user, fast }
  cluster.url = `postgres://kotae@127.0.0.1:${cluster.port}/postgres`
  startServer(cluster)
  return cluster
}

function serverOptions(cluster) {
  const opts = [`-p ${cluster.port}`, `-k ${cluster.dir}`, `-c listen_addresses=127.0.0.1`, `-c max_connections=200`]
  if (cluster.fast) opts.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off')
  return opts.join(' ')
}

function startServer(cluster) {
  run(join(cluster.bin, 'pg_ctl'), ['-D', cluster.data, '-o', serverOptions(cluster), '-l', join(cluster.dir, 'server.log'), '-w', '-t', '60', 'start'], cluster.user)
}

/** Stop the server (fast shutdown: clients are disconnected) and start it again on the same port. */
export function restartCluster(cluster) {
  run(join(cluster.bin, 'pg_ctl'), ['-D', cluster.data, '-m', 'fast', '-w', 'stop'], cluster.user)
  startServer(cluster)
}

/** Stop the server and remove its folder. */
export function stopCluster(cluster) {
  try {
    run(join(cluster.bin, 'pg_ctl'), ['-D', cluster.data, '-m', 'immediate', '-w', 'stop'], cluster.user)
  } finally {
    rmSync(cluster.dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, folder] = process.argv.slice(2)
  if (command === 'start') {
    const cluster = await startCluster({ fast: process.argv.includes('--fast') })
    console.log(`KOTAE_TEST_DATABASE_URL=${cluster.url}`)
    console.log(`# stop it with: node scripts/pg-cluster.mjs stop ${cluster.dir}`)
  } else if (command === 'stop' && folder) {
    const bin = findPostgresBin()
    stopCluster({ dir: folder, data: join(folder, 'data'), bin, user: postgresUser() })
  } else {
    console.error('usage: node scripts/pg-cluster.mjs start [--fast] | stop <folder>')
    process.exit(2)
  }
}
