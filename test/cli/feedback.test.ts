/** `kotae feedback` (src/cli/commands/feedback.ts) from the command line: exactly one kind of feedback. (The in-process tests of the content-team commands are in test/ops/cli.test.ts.) */
import { describe, expect, it } from 'vitest'
import { kotae, tempFolder } from '../helpers/cli.js'

const tmp = tempFolder('kotae-cli-feedback-')

describe('kotae feedback', () => {
  it('contradictory or missing feedback flags are CLI_USAGE saying to give exactly one', async () => {
    const [both, none] = await Promise.all([kotae('feedback', tmp(), 'some-event', '--helpful', '--not-helpful'), kotae('feedback', tmp(), 'some-event')])
    for (const run of [both, none]) {
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^error \[CLI_USAGE\]: kotae feedback: .*exactly one of --helpful, --not-helpful, --picked <entryId>, --resolved <entryId>/m)
    }
  })
})
