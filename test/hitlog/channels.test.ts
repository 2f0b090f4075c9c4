/** The channel of what the hit log reads back: unanswered questions carry theirs, and entries are counted per channel. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openHitLog } from '../../src/hitlog/index.js'
import { result, tempDir } from '../ops/helpers.js'
import { track } from './helpers.js'

describe('channels in the hit log', () => {
  const t = Date.parse('2026-05-01T10:00:00Z')

  it('gives each unanswered question the channel it was asked in (null when none was given)', () => {
    const log = track(openHitLog(join(tempDir(), 'c.sqlite'), { onError: (e) => { throw e } }))
    log.record(result('where is my parcel', 'escalate', [['track', 0.1]]), { at: t, channel: 'line' })
    log.record(result('can I pay later', 'escalate', []), { at: t + 1 })
    log.record(result('how long is shipping', 'answer', [['ship', 0.9]]), { at: t + 2, channel: 'web' })
    const rows = log.unanswered(t, t + 10, 0.3).sort((a, b) => a.time - b.time)
    expect(rows.map((r) => [r.query, r.channel])).toEqual([
      ['where is my parcel', 'line'],
      ['can I pay later', null],
    ])
  })

  it('counts each entry per channel, feedback included, and leaves out events without a channel', () => {
    const log = track(openHitLog(join(tempDir(), 'c.sqlite'), { onError: (e) => { throw e } }))
    log.record(result('how long is shipping', 'answer', [['ship', 0.9]]), { at: t, channel: 'web' })
    log.record(result('shipping time', 'answer', [['ship', 0.8]]), { at: t + 1, channel: 'web' })
    const clarified = log.record(result('shipping or returns', 'clarify', [['ship', 0.5], ['returns', 0.45]]), { at: t + 2, channel: 'kakao' })!
    log.feedback(clarified, { kind: 'picked', entryId: 'returns' }, t + 3)
    log.record(result('returns', 'answer', [['returns', 0.9]]), { at: t + 4 })
    const byChannel = log.entryCountsByChannel(t, t + 10)
    expect([...byChannel.keys()]).toEqual(['kakao', 'web'])
    expect(byChannel.get('web')!.get('ship')).toMatchObject({ top: 2, answers: 2, offered: 0 })
    expect(byChannel.get('web')!.has('returns')).toBe(false)
    expect(byChannel.get('kakao')!.get('returns')).toMatchObject({ top: 0, answers: 0, offered: 1, picked: 1, lastHit: t + 3 })
    expect(byChannel.get('kakao')!.get('ship')).toMatchObject({ top: 1, offered: 1, answers: 0 })
    // The totals are unchanged: every channel, and none.
    expect(log.entryCounts(t, t + 10).get('returns')).toMatchObject({ top: 1, answers: 1, offered: 1, picked: 1 })
  })
})
