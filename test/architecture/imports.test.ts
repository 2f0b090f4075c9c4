/**
 * The layout shows the architecture: data flows one way through the stages, and no module
 * imports one that (directly or not) imports it back. Read from the sources' import and export
 * statements (static and dynamic), type-only imports included.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve('src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []))
}

/** Module → the project modules it imports (paths relative to src/, without extension). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const specifier = /(?:import|export)\s[^'"]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = new Set<string>()
    for (const match of text.matchAll(specifier)) {
      const spec = match[1] ?? match[2]
      targets.add(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ''))
    }
    graph.set(relative(SRC, file).replace(/\.ts$/, ''), [...targets])
  }
  return graph
}

/** Strongly connected components of more than one module (or a module importing itself): the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const indexes = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string) => {
    indexes.set(node, index)
    low.set(node, index++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (!indexes.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexes.get(next)!))
    }
    if (low.get(node) === indexes.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort())
    }
  }
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node)
  return found
}

const graph = importGraph()
const importers = (prefix: string) => [...graph].filter(([, targets]) => targets.some((t) => t === prefix || t.startsWith(prefix + '/'))).map(([m]) => m)

describe('the module graph', () => {
  it('resolves every relative import to a source file', () => {
    const missing = [...graph].flatMap(([module, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${module} → ${t}`))
    expect(missing).toEqual([])
  })

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('keeps persistence out of the engine: kb/ imports no engine code', () => {
    expect(importers('engine').filter((m) => m.startsWith('kb/'))).toEqual([])
  })

  it('keeps the text stage at the bottom: text/ imports only text/, schema and errors', () => {
    const outside = [...graph].filter(([m]) => m.startsWith('text/')).flatMap(([m, targets]) => targets.filter((t) => !t.startsWith('text/') && t !== 'schema' && t !== 'errors').map((t) => `${m} → ${t}`))
    expect(outside).toEqual([])
  })

  it('has one way up: only the CLI imports the CLI, the content ops, the hit log and eval are not imported by the engine stages', () => {
    expect(importers('cli').filter((m) => !m.startsWith('cli/'))).toEqual([])
    const stages = ['text/', 'embed/', 'retrieve/', 'decide/', 'kb/', 'ingest/', 'context/', 'engine', 'schema', 'errors']
    const upward = ['ops', 'hitlog', 'eval', 'cli'].flatMap((layer) => importers(layer).filter((m) => stages.some((s) => m === s || m.startsWith(s))).map((m) => `${m} → ${layer}`))
    expect(upward).toEqual([])
  })

  it('keeps the server and the PostgreSQL store above the engine: serve/ knows no database, and no stage below imports either', () => {
    expect(importers('postgres').filter((m) => m.startsWith('serve/'))).toEqual([])
    const stages = ['text/', 'embed/', 'retrieve/', 'decide/', 'kb/', 'ingest/', 'context/', 'conversation/', 'respond/', 'engine', 'schema', 'errors', 'hitlog/', 'ops/', 'privacy/', 'eval/']
    const upward = ['serve', 'postgres'].flatMap((layer) => importers(layer).filter((m) => stages.some((s) => m === s || m.startsWith(s))).map((m) => `${m} → ${layer}`))
    expect(upward).toEqual([])
  })
})
