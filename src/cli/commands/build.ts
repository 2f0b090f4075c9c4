/**
 * `kotae build <faq> -o <dir>`: import an FAQ file, build a knowledge base from it (self-calibrated,
 * or calibrated on labelled queries with `--calib`) and save it. Suggestions accepted into a base
 * already in the folder are merged back, so a rebuild does not lose them.
 */
import type { Command } from 'commander'
import { buildKnowledgeBase } from '../../engine.js'
import { readSavedRecipe } from '../../kb/store.js'
import { mergeAccepted } from '../../ops/index.js'
import { formatIssue, importFaqFile, readLabelledQueries, throwOnImportErrors } from '../../ingest/index.js'
import { embedderFromFlags, withEmbedderOptions } from '../embedder.js'
import { flagParsers, importOptions, withImportOptions } from '../options.js'
import { progressBar } from '../progress.js'

/** Register `build` on the program. */
export function registerBuild(program: Command): void {
  const flags = flagParsers('build')
  withEmbedderOptions(
    withImportOptions(
      program
        .command('build')
        .description('build a knowledge base from an FAQ file (csv, tsv, xlsx, json, jsonl)')
        .argument('<faq>', 'FAQ file')
        .requiredOption('-o, --out <dir>', 'knowledge-base folder to write')
        .option('--calib <file>', 'labelled queries (JSONL, FORMAT.md calib shape) to calibrate on; default: self-calibration')
        .option('--target-precision <p>', 'wanted answer precision', flags.numberBetween('--target-precision', 0.5, 0.999, 0.95), 0.95)
        .option('--lock-timeout <ms>', 'how long to wait for another writer of the same folder before failing with KB_LOCKED', flags.wholeNumber('--lock-timeout', 0, 3_600_000), 5000),
    ),
  ).action(async (faq: string, opts) => {
    // Errors stop the build (kotae check lists them all); warnings (conflicting questions, generated ids...) are shown and the build goes on.
    const imported = throwOnImportErrors(await importFaqFile(faq, importOptions(opts)))
    const warnings = imported.issues.filter((i) => i.severity === 'warning')
    if (warnings.length > 0) console.error(`${faq}: ${warnings.length} warning(s):\n${warnings.map((w) => `  ${formatIssue(w)}`).join('\n')}`)
    // Suggestions accepted into a base already in this folder are part of its content: merge them back.
    const previous = await readSavedRecipe(opts.out, (error) => console.error(`warning: the base already in ${opts.out} cannot be read (${error.code}), so its accepted suggestions cannot be merged back: ${error.message}`))
    const merged = mergeAccepted(imported.entries, previous?.accepted ?? [])
    if (merged.kept.length > 0) console.log(`merged ${merged.kept.length} accepted suggestion(s) from the base in ${opts.out} back into the entries`)
    if (merged.dropped.length > 0) console.error(`warning: dropped ${merged.dropped.length} accepted suggestion(s) whose entries are no longer in ${faq}: ${[...new Set(merged.dropped.map((a) => a.entryId))].join(', ')}`)
    const embedder = await embedderFromFlags(opts)
    const progress = progressBar()
    const started = performance.now()
    // Self-calibrate even with --calib: it holds variants out of the classifier and its samples top up a small labelled set (as `kotae eval` does).
    const kb = await buildKnowledgeBase(merged.entries, { embedder, onProgress: progress.onProgress, targetPrecision: opts.targetPrecision })
    if (opts.calib) await kb.calibrate(await readLabelledQueries(opts.calib), { targetPrecision: opts.targetPrecision, onProgress: progress.onProgress })
    kb.recipe = { ...kb.recipe, accepted: merged.kept }
    progress.stop()
    await kb.save(opts.out, { lockTimeoutMs: opts.lockTimeout })
    const c = kb.calibration
    console.log(`built ${opts.out}: ${kb.entries.length} entries, ${kb.phrasings.texts.length} phrasings, embedder ${kb.embedder.id}, in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    console.log(`calibration: ${c.source}, answer threshold ${c.answerThreshold > 1 ? 'none (this base never answers)' : c.answerThreshold.toFixed(3)} (precision ${c.fitted.answerPrecision.toFixed(3)} on ${c.samples.inScope + c.samples.outOfScope + c.samples.simulatedOutOfScope} samples)`)
    for (const note of c.notes) console.error(`warning: ${note}`)
  })
}
