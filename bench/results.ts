/**
 * bench/RESULTS.md, shared by the benchmark scripts: each script owns one section between
 * `<!-- name:start -->` and `<!-- name:end -->` and rewrites only that, so the scripts can run
 * in any order and the file always holds each one's latest output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The results file. */
export const RESULTS = join(ROOT, 'bench/RESULTS.md')

/** The installed version of a package (`kotae` is this repository). */
export function version(pkg: string): string {
  const path = pkg === 'kotae' ? join(ROOT, 'package.json') : join(ROOT, 'node_modules', pkg, 'package.json')
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
}

/** "Run <date>, Node <version>, <platform>; <package versions>." for a section's header. */
export function environmentLine(packages: string[] = ['kotae', 'minisearch', '@orama/orama', 'hnswlib-node']): string {
  const pkgs = packages.map((p) => `${p} ${version(p)}`).join(', ')
  return `Run ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}; ${pkgs}.`
}

/** Replace (or append) the section between `<!-- name:start -->` and `<!-- name:end -->`, keeping the rest. */
export function writeSection(name: string, body: string): void {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const block = `${start}\n${body.trim()}\n${end}`
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nWritten by the scripts in bench/; each owns one section between markers.\n'
  const i = current.indexOf(start)
  const j = current.indexOf(end)
  const next = i >= 0 && j > i ? current.slice(0, i) + block + current.slice(j + end.length) : `${current.trimEnd()}\n\n${block}\n`
  writeFileSync(RESULTS, next)
}
