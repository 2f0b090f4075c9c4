/**
 * The report's data, as {@link buildReport} returns it and the page renders it: its own module so
 * the section rules (actions.ts) and the page (html.ts) read the shapes without importing the builder.
 */
import type { QueryCluster } from '../cluster.js'
import type { SurgeResult } from '../surge.js'

/** Usage of one entry over the window. */
export interface EntryReport {
  id: string
  question: string | null
  lang: string | null
  group: string | null
  /** False for ids seen in the log but no longer in the FAQ. */
  inKb: boolean
  /** Times the entry was the answer. */
  answers: number
  /** Times it was offered as an option after `clarify`. */
  offered: number
  /** Times a user picked it after `clarify`. */
  picked: number
  /** Times a person used it to resolve an escalation. */
  resolved: number
  helpful: number
  notHelpful: number
  /** Times it was the top candidate, whatever the decision. */
  top: number
  /** answers + picked + resolved. */
  hits: number
  /** hits / all logged questions in the window: the share of traffic this entry served. */
  hitRate: number
  lastHit: string | null
  updatedAt: string | null
  /**
   * Hits per channel the entry took part in (was the top candidate, offered or hit) in the window;
   * channels where it took no part are absent. The page's channel filter reads the keys.
   */
  channels: Record<string, number>
}

/** Sums over a translation group or a language. */
export interface GroupReport {
  key: string
  entries: number
  answers: number
  offered: number
  picked: number
  resolved: number
  notHelpful: number
  hits: number
  hitRate: number
  lastHit: string | null
}

/**
 * What people ask from one page (the list a team uses to place proactive FAQ prompts there): its
 * questions, the share the bot did not answer, and the entries they went to.
 */
export interface PageReport {
  /** The page as the hit log stores it (no query string or fragment; redacted like queries). */
  page: string
  questions: number
  /** Escalated or below `lowConfidence`. */
  unanswered: number
  unansweredShare: number
  /** Top entries: answered, picked or resolved from this page, with their share of its questions. */
  entries: { id: string; question: string | null; count: number; share: number }[]
}

/** A surge alert or watch item, with a label for people. */
export interface SurgeReport extends SurgeResult {
  kind: 'entry' | 'cluster'
  label: string
}

/** The full report (JSON-serialisable). */
export interface OpsReport {
  generatedAt: string
  window: { from: string; to: string; days: number }
  coverage: { firstEvent: string | null; lastEvent: string | null; events: number }
  totals: {
    events: number
    answer: number
    clarify: number
    escalate: number
    answerRate: number
    clarifyRate: number
    escalateRate: number
    /** Questions clarified and then an option picked (no person needed). */
    pickedAfterClarify: number
    /** (answer + pickedAfterClarify) / events: the share handled without a person. */
    automationRate: number
  }
  /** The window of the same length before this one, for the trend (`covered`: the log reaches back to its start). */
  previous: { from: string; to: string; covered: boolean; events: number; answer: number; clarify: number; escalate: number; answerRate: number; automationRate: number }
  /** Languages of the entries and of the questions (base codes, sorted): the page's language choices. */
  languagesSeen: string[]
  /** Channels of the questions in the window (`web`, `line`…, sorted): the page's channel choices. */
  channelsSeen: string[]
  /** Translations of each grouped entry's question, by base language (entries of one `metadata.group`). */
  translations: Record<string, Record<string, string>>
  timeline: { bucketMs: number; points: { start: string; answer: number; clarify: number; escalate: number }[] }
  entries: EntryReport[]
  groups: GroupReport[]
  languages: GroupReport[]
  stale: {
    minHits: number
    entries: (EntryReport & { groupHits: number | null })[]
    /** Ids to remove with `kotae prune` (the stale entries). */
    prune: string[]
    /** Entries with the oldest `updatedAt`, oldest first. */
    oldestUpdated: { id: string; updatedAt: string; hits: number }[]
    /** Stale translation groups: every language of the group has fewer than `minHits` hits (an ungrouped entry is its own group). */
    groups: {
      /** The group (`metadata.group`), or the entry id of an ungrouped entry. */
      key: string
      grouped: boolean
      /** Its entries, one per language, with their hits in the window. */
      entries: { id: string; lang: string | null; question: string | null; hits: number; lastHit: string | null; updatedAt: string | null }[]
      /** The group's most recent hit in any language (null: none in the window). */
      lastHit: string | null
    }[]
  }
  /** Entries clarified more than answered, marked not helpful, or offered and passed over. */
  improve: {
    id: string
    reasons: ('often-clarified' | 'not-helpful' | 'passed-over')[]
    /** Times offered after clarify. */
    offered: number
    /** Times answered directly. */
    answers: number
    picked: number
    notHelpful: number
    /** Times offered but another option (or none) was chosen: offered − picked. */
    passedOver: number
  }[]
  /** Pairs to merge, with both questions, the queries behind them and why (unrelated co-ranked pairs left out). */
  mergeCandidates: {
    a: string
    b: string
    questionA: string | null
    questionB: string | null
    /** Close top-two results of the pair in the window (0 when only the phrasings are alike). */
    coRanked: number
    /** coRanked / the pair's top-candidate events. */
    share: number
    /** Best n-gram similarity between any phrasing of A and any of B. */
    similarity: number
    /** N-gram similarity of all of A's phrasings together with all of B's: are they about the same thing? */
    topicSimilarity: number
    /** The two most alike phrasings. */
    phrasingA: string
    phrasingB: string
    /** What users asked and then picked (after clarify) or a person resolved with A or B, most frequent first. */
    sharedQueries: { query: string; entryId: string; count: number }[]
    /** Why the pair is listed. */
    why: ('co-ranked' | 'near-identical phrasings')[]
  }[]
  nearDuplicates: {
    /** Entries that often came back as the top two with a small margin. */
    coRanked: { a: string; b: string; count: number; share: number }[]
    /** Entries with near-identical phrasings. */
    similarPhrasings: { a: string; b: string; similarity: number; phrasingA: string; phrasingB: string }[]
  }
  unanswered: {
    total: number
    hashed: number
    skipped: number
    /** Clusters left out because every query in them was since resolved, picked or accepted as a suggestion. */
    resolvedClusters: number
    /** Each cluster: its queries, the engine's own top candidate for them (`nearestEntry`: the candidate it logged most often, never a recomputed one) and a draft entry to copy. */
    clusters: (Omit<QueryCluster, 'times' | 'nearestEntry' | 'representatives'> & {
      /** The example queries, each with the channels it was asked in during the window. */
      representatives: (QueryCluster['representatives'][number] & { channels: string[] })[]
      /** Questions of the cluster in the window, per channel (questions logged without a channel are not counted here). */
      channels: Record<string, number>
      /** Questions of the cluster in the window. */
      count: number
      /** Of them, in the last surge window. */
      recent: number
      /** Questions whose text was since resolved, picked or accepted as a suggestion. */
      settled: number
      /** The top candidate the engine logged most often for these questions, how often, and its mean confidence. */
      nearestEntry: { id: string; question: string | null; similarity: null; share: number; confidence: number } | null
      /** An FAQ entry to copy into the source file: the most frequent query as the question, the other examples as variants, the answer left to write. */
      draft: {
        lang: string
        question: string
        variants: string[]
        answer: ''
      }
    })[]
  }
  /** Questions per reason (`confident`, `ambiguous`, `skill-failed`…), most first. */
  reasons: { reason: string; count: number }[]
  /** The pages with the most questions, most first (empty when the log has no pages). */
  pages: PageReport[]
  surges: { rule: string; windowMs: number; alerts: SurgeReport[]; watch: SurgeReport[] }
  warnings: string[]
}
