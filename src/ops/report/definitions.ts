/**
 * What every figure on the report page means: one place, so the page links each number to its
 * definition (`#def-<key>`) and the wording cannot drift between sections.
 */

/** The figures defined on the page, by anchor key. */
export const DEFINITIONS = {
  questions: ['Questions', 'Questions asked in the window (one logged ask each, whatever the decision).'],
  answered: ['Answered', 'Questions the bot answered with one entry (confidence at or above the knowledge base’s answer threshold).'],
  clarified: ['Clarified', 'Questions the bot answered by offering a few entries to choose from (two or more entries were close).'],
  escalated: ['Escalated', 'Questions handed over to a person (nothing was close enough, or a skill failed).'],
  'answer-rate': ['Answer rate', 'Answered ÷ questions.'],
  'automation-rate': ['Automation rate', '(Answered + clarified questions where the customer then picked an option) ÷ questions: the share handled without a person.'],
  trend: ['Trend', 'The same figure over the window of the same length just before this one; shown only as far as the log reaches back.'],
  hits: ['Hits', 'Times an entry served a question: answered + picked after clarify + used by a person to resolve an escalation.'],
  'hit-rate': ['Hit rate', 'An entry’s hits ÷ all questions in the window: the share of traffic it served (a group’s or language’s: the sum over its entries).'],
  'last-hit': ['Last hit', 'The last time in the window the entry (or, for a group, any of its entries) was answered, picked or used to resolve.'],
  'group-hits': ['Group hits', 'The hits of every entry of the entry’s translation group, all languages together.'],
  recent: ['Recent', 'Questions in the last surge window (the last hour by default) for the entry (as top candidate) or the cluster.'],
  'reason-share': ['Share (reasons)', 'Questions with the reason ÷ all questions in the window.'],
  'page-share': ['Share (page entries)', 'Questions from the page that went to the entry (resolved with it, else picked, else answered) ÷ the page’s questions.'],
  offered: ['Offered', 'Times the entry was one of the options of a clarify question.'],
  picked: ['Picked', 'Times a customer chose the entry among the clarify options.'],
  resolved: ['Resolved', 'Times a person used the entry to answer an escalated question.'],
  'not-helpful': ['Not helpful', 'Times a customer marked the entry’s answer as not helpful.'],
  'passed-over': ['Passed over', 'Times the entry was offered but not picked (another option, or none, was chosen): offered − picked.'],
  'often-clarified': ['Often clarified', 'Offered at least the report’s minimum times and more often than answered directly: its wording competes with another entry’s.'],
  unanswered: ['Unanswered', 'Questions escalated, or answered/clarified with a top confidence below the report’s low-confidence threshold.'],
  cluster: ['Cluster', 'Unanswered questions grouped by similar wording (character n-grams, CJK-aware) or by meaning when an embedder is given.'],
  settled: ['Resolved since', 'Questions of a cluster whose exact text was later picked, resolved by a person, or accepted as a suggested variant. A cluster whose questions are all resolved is not listed.'],
  'nearest-entry': ['Engine’s nearest entry', 'The top candidate the engine itself logged most often for the cluster’s questions, with how often and its mean confidence.'],
  confidence: ['Confidence', 'The calibrated probability that the top entry is the right answer.'],
  'co-ranked': ['Co-ranked', 'Times the two entries came back as the top two with a confidence margin below the report’s duplicate margin.'],
  share: ['Share', 'Co-ranked ÷ all questions where either entry was the top candidate.'],
  similarity: ['Phrasing similarity', 'The best character n-gram cosine between any phrasing (question or variant) of one entry and any of the other (1 = identical).'],
  'topic-similarity': ['Topic similarity', 'The character n-gram cosine of all of one entry’s phrasings taken together against all of the other’s: co-ranked pairs below the report’s floor (mergeMinSimilarity) are not merge candidates.'],
  stale: ['Stale group', 'A translation group (entries sharing metadata.group) in which every language had fewer hits than the minimum in the window; an entry without a group is its own group.'],
  surge: ['Surge alert', 'A rise in questions for one entry or cluster in the last window, against the same window of the week in previous weeks (the rule is printed under the alerts).'],
  'baseline-mean': ['Baseline mean', 'Mean count of the same window of the week in the previous weeks.'],
  ratio: ['Ratio', 'Recent count ÷ baseline mean.'],
  p: ['p', 'The chance of a count at least this high if the rate had not changed (exact conditional binomial test).'],
  'page-unanswered': ['Unanswered share (page)', 'Unanswered questions asked from the page ÷ its questions.'],
  'channel-filter': ['Channel filter', 'Hides the rows of other channels: unanswered clusters, their example questions and surges asked only in other channels, and entries that were not the top candidate, offered or hit in the chosen channel. The figures stay the totals over all channels; rows with no channel (questions logged without one, entries with no activity in the window, the per-page and summary tables) are always shown.'],
  reason: ['Reason', 'Why the engine decided as it did (confident, ambiguous, low-confidence, skill-failed…), as logged.'],
} as const satisfies Record<string, readonly [string, string]>

/** A key of {@link DEFINITIONS}. */
export type DefinitionKey = keyof typeof DEFINITIONS
