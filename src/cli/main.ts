#!/usr/bin/env node
/**
 * The `kotae` command: build, ask, check, eval, context and demo (plus the content-team
 * commands). Every command has `--help`; errors print their code and an actionable message.
 */
import { readFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { tmpdir } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import { Command, InvalidArgumentError, Option } from 'commander'
import { KotaeError } from '../errors.js'
import { buildKnowledgeBase } from '../engine.js'
import { loadKnowledgeBase, readManifest, readSavedRecipe } from '../kb/store.js'
import { mergeAccepted } from '../ops/suggest.js'
import { formatImportReport, formatIssue, loadFaq, loadFaqResult, readFaq, readLabelledQueries, type ReadFaqOptions } from '../ingest/index.js'
import { createEmbedder, type EmbedderSpec } from '../embed/index.js'
import { evaluateSet } from '../eval/run.js'
import { formatAskResult, formatCandidates, formatEvaluation } from './format.js'
import { progressBar } from './progress.js'
import { registerOpsCommands } from './ops-commands.js'
import { openHitLog } from '../ops/hitlog.js'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The version in package.json, for `kotae --version`. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
}

function number(name: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number between ${min} and ${max}`)
    return n
  }
}

/** Embedder flags shared by build, ask, eval. */
function withEmbedderOptions(command: Command): Command {
  return command
    .addOption(new Option('--embedder <kind>', 'embedder: builtin (no weights) or transformers (ONNX model)').choices(['builtin', 'transformers']).default('builtin'))
    .option('--model <id>', 'transformers.js model id', 'Xenova/multilingual-e5-small')
    .option('--model-dir <dir>', 'folder holding <model-id>/ (config.json, tokenizer.json, onnx/)')
    .option('--cache-dir <dir>', 'transformers.js cache folder')
    .option('--online', 'allow downloading the model from the hub (off by default)')
    .option('--fp32', 'use onnx/model.onnx instead of the quantised onnx/model_quantized.onnx')
}

function embedderSpec(opts: Record<string, unknown>): EmbedderSpec {
  if (opts.embedder !== 'transformers') return { kind: 'builtin' }
  return {
    kind: 'transformers',
    model: opts.model as string,
    modelDir: opts.modelDir as string | undefined,
    cacheDir: opts.cacheDir as string | undefined,
    offline: !opts.online,
    dtype: opts.fp32 ? 'fp32' : 'q8',
  }
}

function withImportOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'tsv', 'xlsx', 'json', 'jsonl']))
    .option('--encoding <name>', 'text encoding of CSV/TSV (default: detected; e.g. utf-8, shift_jis, euc-kr, gb18030)')
    .option('--sheet <name>', 'XLSX sheet (default: the first)')
    .option('--lang <tag>', 'language of rows that have no lang column (ja, ko, en, zh, zh-TW...)')
    .addOption(new Option('--column <header=field...>', 'map a header to a field, e.g. --column 質問文=question --column 備考=ignore (repeatable)').argParser(collectColumns).default({}, 'none'))
}

function collectColumns(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.lastIndexOf('=')
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError(`--column expects header=field (for example 質問文=question), got "${value}"`)
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) }
}

function importOptions(opts: Record<string, unknown>): ReadFaqOptions {
  const columns = opts.column as Record<string, string> | undefined
  return {
    format: opts.format as ReadFaqOptions['format'],
    encoding: opts.encoding as string | undefined,
    sheet: opts.sheet as string | undefined,
    lang: opts.lang as string | undefined,
    columns: columns && Object.keys(columns).length > 0 ? columns : undefined,
  }
}

async function loadWithEmbedder(kbDir: string, opts: Record<string, unknown>) {
  const manifest = await readManifest(kbDir)
  // A base built with transformers.js names its model and weights: load exactly those
  // (`transformers:<model>:<q8|fp32>:<pooling>`); only where to find them comes from the flags.
  const recorded = /^transformers:(.+):(q8|fp32):(mean|cls)$/.exec(manifest.embedder.id)
  if (!recorded) {
    if (opts.embedder === 'transformers') throw new KotaeError('EMBEDDER_MISMATCH', `${kbDir} was built with "${manifest.embedder.id}", not a transformers.js model; drop --embedder or rebuild the base with it`)
    return loadKnowledgeBase(kbDir)
  }
  const embedder = await createEmbedder({ ...embedderSpec({ ...opts, embedder: 'transformers' }), model: recorded[1], dtype: recorded[2] as 'q8' | 'fp32' } as EmbedderSpec)
  return loadKnowledgeBase(kbDir, { embedder })
}

/** The `kotae` program (exported for tests). */
export function createProgram(): Command {
  const program = new Command()
  program.name('kotae').description('Answer customers from a multilingual FAQ: answer, clarify or escalate, with calibrated confidence.').version(packageVersion(), '-V, --version', 'print the version').showHelpAfterError()

  withEmbedderOptions(
    withImportOptions(
      program
        .command('build')
        .description('build a knowledge base from an FAQ file (csv, tsv, xlsx, json, jsonl)')
        .argument('<faq>', 'FAQ file')
        .requiredOption('-o, --out <dir>', 'knowledge-base folder to write')
        .option('--calib <file>', 'labelled queries (JSONL, FORMAT.md calib shape) to calibrate on; default: self-calibration')
        .option('--target-precision <p>', 'wanted answer precision', number('target precision', 0.5, 0.999), 0.95)
        .option('--lock-timeout <ms>', 'how long to wait for another writer of the same folder before failing with KB_LOCKED', number('lock timeout', 0, 3_600_000), 5000),
    ),
  ).action(async (faq: string, opts) => {
    const imported = await loadFaqResult(faq, importOptions(opts))
    // loadFaqResult throws on errors; warnings (conflicting questions, generated ids...) are shown and the build goes on.
    const warnings = imported.issues.filter((i) => i.severity === 'warning')
    if (warnings.length > 0) console.error(`${faq}: ${warnings.length} warning(s):\n${warnings.map((w) => `  ${formatIssue(w)}`).join('\n')}`)
    // Suggestions accepted into a base already in this folder are part of its content: merge them back.
    const previous = await readSavedRecipe(opts.out, (error) => console.error(`warning: the base already in ${opts.out} cannot be read (${error.code}), so its accepted suggestions cannot be merged back: ${error.message}`))
    const merged = mergeAccepted(imported.entries, previous?.accepted ?? [])
    if (merged.kept.length > 0) console.log(`merged ${merged.kept.length} accepted suggestion(s) from the base in ${opts.out} back into the entries`)
    if (merged.dropped.length > 0) console.error(`warning: dropped ${merged.dropped.length} accepted suggestion(s) whose entries are no longer in ${faq}: ${[...new Set(merged.dropped.map((a) => a.entryId))].join(', ')}`)
    const entries = merged.entries
    const embedder = await createEmbedder(embedderSpec(opts))
    const progress = progressBar()
    const started = performance.now()
    // Self-calibrate even with --calib: it holds variants out of the classifier and its samples top up a small labelled set (as `kotae eval` does).
    const kb = await buildKnowledgeBase(entries, { embedder, onProgress: progress.onProgress, targetPrecision: opts.targetPrecision })
    if (opts.calib) await kb.calibrate(await readLabelledQueries(opts.calib), { targetPrecision: opts.targetPrecision, onProgress: progress.onProgress })
    kb.recipe = { ...kb.recipe, accepted: merged.kept }
    progress.stop()
    await kb.save(opts.out, { lockTimeoutMs: opts.lockTimeout })
    const c = kb.calibration
    console.log(`built ${opts.out}: ${kb.entries.length} entries, ${kb.phrasings.texts.length} phrasings, embedder ${kb.embedder.id}, in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    console.log(`calibration: ${c.source}, answer threshold ${c.answerThreshold > 1 ? 'none (this base never answers)' : c.answerThreshold.toFixed(3)} (precision ${c.fitted.answerPrecision.toFixed(3)} on ${c.samples.inScope + c.samples.outOfScope + c.samples.simulatedOutOfScope} samples)`)
    for (const note of c.notes) console.error(`warning: ${note}`)
  })

  withEmbedderOptions(
    program
      .command('ask')
      .description('ask a knowledge base one question')
      .argument('<kb>', 'knowledge-base folder')
      .argument('<question>', 'the question')
      .option('--json', 'print the full result as JSON')
      .option('--lang <tag>', 'only entries in this language')
      .option('--category <name>', 'only entries of this category')
      .option('--log [file]', 'record the question in the hit log (default file: <kb>/hits.sqlite)')
      .option('--session <id>', 'conversation id for the hit log')
      .option('--channel <name>', 'channel for the hit log (web, line, kakao...)'),
  ).action(async (kbDir: string, question: string, opts) => {
    const kb = await loadWithEmbedder(kbDir, opts)
    const log = opts.log ? openHitLog(typeof opts.log === 'string' ? opts.log : kbDir) : undefined
    if (log) kb.useLogger(log)
    const result = await kb.ask(question, { lang: opts.lang, category: opts.category, sessionId: opts.session, channel: opts.channel })
    log?.close()
    if (opts.json) console.log(JSON.stringify(result, null, 2))
    else console.log(`${formatAskResult(result)}\n${formatCandidates(result)}${result.eventId ? `\nevent ${result.eventId} (kotae feedback ${kbDir} ${result.eventId} --helpful | --not-helpful | --picked <entryId> | --resolved <entryId>)` : ''}`)
  })

  withImportOptions(program.command('check').description('check an FAQ file and report every row that cannot be imported').argument('<faq>', 'FAQ file').option('--json', 'print the report as JSON')).action(
    async (faq: string, opts) => {
      const result = await readFaq(faq, importOptions(opts))
      if (opts.json) console.log(JSON.stringify({ ...result, entries: result.entries.length }, null, 2))
      else console.log(formatImportReport(result))
      if (result.issues.some((i) => i.severity === 'error')) process.exitCode = 1
    },
  )

  withEmbedderOptions(
    program
      .command('eval')
      .description('score the engine on a benchmark set folder (faq.jsonl, queries.jsonl, optional calib.jsonl)')
      .argument('<set-dir>', 'benchmark set folder (see shared/benchmark/FORMAT.md)')
      .option('--json', 'print the report as JSON')
      .option('--calib-fraction <f>', 'calibrate on this seeded fraction of the queries and score only the rest', number('calib fraction', 0.01, 0.99))
      .option('--seed <n>', 'seed of the calibration split', number('seed', 0, 2 ** 31), 1)
      .option('--self-calibrate', 'ignore calib.jsonl and self-calibrate from the FAQ variants')
      .option('--target-precision <p>', 'wanted answer precision', number('target precision', 0.5, 0.999), 0.95),
  ).action(async (setDir: string, opts) => {
    const embedder = await createEmbedder(embedderSpec(opts))
    const progress = progressBar()
    const report = await evaluateSet(setDir, {
      embedder,
      calibFraction: opts.calibFraction,
      seed: opts.seed,
      selfCalibrateOnly: opts.selfCalibrate,
      targetPrecision: opts.targetPrecision,
      onProgress: progress.onProgress,
    })
    progress.stop()
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatEvaluation(report))
  })

  withEmbedderOptions(
    program
      .command('context')
      .description('print the LLM-ready context block for a question, within a token budget')
      .argument('<kb>', 'knowledge-base folder')
      .argument('<question>', 'the question')
      .requiredOption('--max-tokens <n>', 'token budget (tiktoken cl100k_base)', number('max tokens', 1, 1_000_000)),
  ).action(async (kbDir: string, question: string, opts) => {
    const kb = await loadWithEmbedder(kbDir, opts)
    const block = await kb.context(question, { maxTokens: opts.maxTokens })
    console.log(block.text)
    console.error(`(${block.tokens} tokens; entries ${block.entryIds.join(', ') || 'none'}${block.omitted.length ? `; omitted ${block.omitted.join(', ')}` : ''})`)
  })

  program
    .command('demo')
    .description('build the shipped multilingual shop FAQ and answer a dozen sample questions')
    .option('--keep <dir>', 'keep the knowledge base in this folder')
    .action(async (opts) => {
      const setDir = join(packageRoot, 'fixtures', 'shop-faq')
      const entries = await loadFaq(join(setDir, 'faq.jsonl'))
      const questions = JSON.parse(await readFile(join(setDir, 'demo-questions.json'), 'utf8')) as Array<{ query: string; note?: string }>
      const dir = opts.keep ?? (await mkdtemp(join(tmpdir(), 'kotae-demo-')))
      const progress = progressBar()
      const started = performance.now()
      const built = await buildKnowledgeBase(entries, { onProgress: progress.onProgress })
      progress.stop()
      await built.save(dir)
      const kb = await loadKnowledgeBase(dir)
      console.log(`kotae demo: ${kb.entries.length} FAQ entries (${kb.phrasings.texts.length} phrasings, ja/ko/en/zh) built, saved to ${dir} and loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
      for (const q of questions) {
        const result = await kb.ask(q.query, { channel: 'demo' })
        console.log(formatAskResult(result))
        if (q.note) console.log(`  (expected: ${q.note})`)
        console.log('')
      }
      if (!opts.keep) await rm(dir, { recursive: true, force: true })
    })

  // Content-team commands load bases the same way `ask` does, so a transformers base works too.
  registerOpsCommands(program, { engine: { loadKnowledgeBase: (dir) => loadWithEmbedder(dir, {}) } })
  return program
}

/** Run the CLI; errors become a message and a non-zero exit code. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv)
  } catch (error) {
    if (error instanceof KotaeError) {
      console.error(`error [${error.code}]: ${error.message}`)
      process.exitCode = 1
    } else throw error
  }
}

if (process.argv[1] && existsSync(process.argv[1]) && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])) {
  await main()
}
