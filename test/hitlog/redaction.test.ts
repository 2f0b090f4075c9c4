/** The hit log redacts everything a customer typed: query, session id, feedback comment. */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openHitLog } from '../../src/hitlog/index.js'
import { redactQuery } from '../../src/privacy/redact.js'
import { result, tempDir } from '../ops/helpers.js'
import { errorSink, track } from './helpers.js'

describe('redaction of everything a customer typed', () => {
  function stored(path: string) {
    const db = new Database(path, { readonly: true })
    try {
      return {
        events: db.prepare('SELECT session, query, query_hash FROM events ORDER BY id').all() as { session: string | null; query: string | null; query_hash: string | null }[],
        comments: (db.prepare('SELECT comment FROM feedback ORDER BY id').all() as { comment: string | null }[]).map((r) => r.comment),
        salt: (db.prepare("SELECT value FROM meta WHERE key = 'hash_salt'").get() as { value: string } | undefined)?.value,
      }
    } finally {
      db.close()
    }
  }

  it('masks session ids and feedback comments like queries (default mode)', () => {
    const path = join(tempDir(), 'mask.sqlite')
    const log = openHitLog(path, { onError: (e) => { throw e } })
    const id = log.record(result('my mail is a@b.io', 'answer', [['late', 0.9]]), { sessionId: 'alice@example.com' })!
    log.feedback(id, { kind: 'not-helpful', comment: 'call me on +81 90-1234-5678 or mail alice@example.com' })
    expect(log.getEvent(id)!.sessionId).toBe('[email]')
    log.close()
    const s = stored(path)
    expect(s.events[0]).toEqual({ session: '[email]', query: 'my mail is [email]', query_hash: null })
    expect(s.comments).toEqual(['call me on [phone] or mail [email]'])
  })

  it('hashes session ids and comments in hash mode, and stores them verbatim only in none mode', () => {
    const hashed = join(tempDir(), 'hash.sqlite')
    const log = openHitLog(hashed, { redaction: { mode: 'hash' }, onError: (e) => { throw e } })
    const id = log.record(result('where is my parcel', 'escalate', []), { sessionId: 'alice@example.com' })!
    log.feedback(id, { kind: 'helpful', comment: 'thanks, alice@example.com' })
    log.close()
    const h = stored(hashed)
    const hash = (text: string) => redactQuery(text, { mode: 'hash', salt: h.salt! }).hash
    expect(h.events[0]).toEqual({ session: hash('alice@example.com'), query: null, query_hash: hash('where is my parcel') })
    expect(h.comments).toEqual([hash('thanks, alice@example.com')])
    expect(JSON.stringify(h)).not.toMatch(/alice|parcel|thanks/)

    const plain = join(tempDir(), 'none.sqlite')
    const log2 = openHitLog(plain, { redaction: { mode: 'none' } })
    const id2 = log2.record(result('my mail is a@b.io', 'escalate', []), { sessionId: 'alice@example.com' })!
    log2.feedback(id2, { kind: 'helpful', comment: 'mail alice@example.com' })
    log2.close()
    expect(stored(plain)).toMatchObject({ events: [{ session: 'alice@example.com', query: 'my mail is a@b.io' }], comments: ['mail alice@example.com'] })
  })

  it('generates a non-empty salt per log in hash mode, stores it, and reuses it on reopen', () => {
    const dir = tempDir()
    const path = join(dir, 'salt.sqlite')
    const first = openHitLog(path, { redaction: { mode: 'hash' } })
    const id1 = first.record(result('where is my parcel', 'escalate', []), {})!
    const hash1 = first.getEvent(id1)!.queryHash
    first.close()
    const { salt } = stored(path)
    expect(salt!.length).toBeGreaterThanOrEqual(32)
    expect(hash1).toBe(redactQuery('where is my parcel', { mode: 'hash', salt: salt! }).hash)

    const again = openHitLog(path, { redaction: { mode: 'hash' } })
    const id2 = again.record(result('Where is my parcel ', 'escalate', []), {})!
    expect(again.getEvent(id2)!.queryHash).toBe(hash1)
    again.close()
    expect(stored(path).salt).toBe(salt)

    const other = join(dir, 'other.sqlite')
    openHitLog(other, { redaction: { mode: 'hash' } }).close()
    expect(stored(other).salt).not.toBe(salt)
    expect(() => openHitLog(join(dir, 'empty.sqlite'), { redaction: { mode: 'hash', salt: '' } })).toThrow(/salt must not be empty/)
  })

  it('hashes events recorded before the file could be opened with the log’s own salt, once it is', () => {
    const path = join(tempDir(), 'late.sqlite')
    const other = new Database(path)
    other.exec('CREATE TABLE hold (x); BEGIN EXCLUSIVE; INSERT INTO hold VALUES (1)')
    const sink = errorSink()
    const log = track(openHitLog(path, { redaction: { mode: 'hash' }, busyTimeoutMs: 0, reopenIntervalMs: 0, onError: sink.onError }))
    expect(log.healthy).toBe(false)
    const id = log.record(result('where is my parcel', 'escalate', []), { sessionId: 'abc' })!
    other.exec('COMMIT')
    other.close()
    expect(log.flush()).toBe(true)
    const { salt, events } = stored(path)
    expect(salt).toBeTruthy()
    expect(events[0]).toEqual({ session: redactQuery('abc', { mode: 'hash', salt: salt! }).hash, query: null, query_hash: redactQuery('where is my parcel', { mode: 'hash', salt: salt! }).hash })
    expect(log.getEvent(id)!.queryHash).toBe(events[0].query_hash)
  })

  it('uses the caller’s salt when given one, without storing it', () => {
    const path = join(tempDir(), 'given.sqlite')
    const log = openHitLog(path, { redaction: { mode: 'hash', salt: 'pepper' } })
    const id = log.record(result('where is my parcel', 'escalate', []), {})!
    expect(log.getEvent(id)!.queryHash).toBe(redactQuery('where is my parcel', { mode: 'hash', salt: 'pepper' }).hash)
    log.close()
    expect(stored(path).salt).toBeUndefined()
  })
})
