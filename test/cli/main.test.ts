/** The `kotae` program as a whole (src/cli/main.ts): its commands, --help, --version, and how an error is printed. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createProgram } from '../../src/cli/main.js'
import { kotae, ROOT } from '../helpers/cli.js'

describe('kotae', () => {
  it('has one command per file of src/cli/commands, each with a description', () => {
    const program = createProgram()
    expect(program.commands.map((c) => c.name())).toEqual(['build', 'ask', 'check', 'eval', 'context', 'publish', 'demo', 'serve', 'report', 'suggest', 'prune', 'feedback'])
    for (const c of program.commands) expect(c.description().length, c.name()).toBeGreaterThan(20)
  })

  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await kotae('--help')
    expect(code).toBe(0)
    for (const command of ['build', 'ask', 'check', 'eval', 'context', 'publish', 'demo', 'report', 'suggest', 'prune', 'feedback']) expect(stdout).toMatch(new RegExp(`^\\s+${command} `, 'm'))
  })

  it('--version prints the package version', async () => {
    const run = await kotae('--version')
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('a kotae error prints "error [CODE]: message" and exits 1', async () => {
    const run = await kotae('build', join(ROOT, 'fixtures', 'shop-faq', 'faq.jsonl'), '-o', 'unused', '--target-precision', '5')
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toBe('error [CLI_USAGE]: kotae build: --target-precision must be a number from 0.5 to 0.999, got "5". For example --target-precision 0.95.')
  })
})
