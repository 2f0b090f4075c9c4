/** `kotae context` (src/cli/commands/context.ts): an LLM-ready block within the token budget, what went in on stderr. */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { countTokens } from '../../src/index.js'
import { kotae, saveMiniBase, tempFolder } from '../helpers/cli.js'

const tmp = tempFolder('kotae-cli-context-')
let kbDir: string

beforeAll(async () => {
  kbDir = join(tmp(), 'kb')
  await saveMiniBase(kbDir)
})

describe('kotae context', () => {
  it('--max-tokens prints a block within the budget, best entry first', async () => {
    const { code, stdout, stderr } = await kotae('context', kbDir, 'How much is shipping?', '--max-tokens', '120')
    expect(code, stderr).toBe(0)
    const text = stdout.replace(/\n$/, '')
    expect(text).toContain('Question: How much is shipping?')
    expect(text).toContain('[shipping-fee-en]')
    expect(text.indexOf('[shipping-fee-en]')).toBe(text.indexOf('\n[') + 1)
    expect(countTokens(text)).toBeLessThanOrEqual(120)
    const reported = /\((\d+) tokens; entries ([^;)]*)/.exec(stderr)
    expect(reported, stderr).not.toBeNull()
    expect(Number(reported![1])).toBe(countTokens(text))
    expect(reported![2].split(', ')[0]).toBe('shipping-fee-en')
  })

  it('a budget smaller than the header is CONTEXT_BUDGET', async () => {
    const { code, stderr } = await kotae('context', kbDir, 'How much is shipping?', '--max-tokens', '3')
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error \[CONTEXT_BUDGET\]: context: maxTokens 3 is smaller than the header alone/m)
  })
})
