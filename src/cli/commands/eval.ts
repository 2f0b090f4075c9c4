/** `kotae eval <set-dir>`: score the engine on a benchmark set folder (FORMAT.md metrics, build time, ask latency). */
import type { Command } from 'commander'
import { evaluateSet } from '../../eval/run.js'
import { embedderFromFlags, withEmbedderOptions } from '../embedder.js'
import { formatEvaluation } from '../format.js'
import { flagParsers } from '../options.js'
import { progressBar } from '../progress.js'

/** Register `eval` on the program. */
export function registerEval(program: Command): void {
  const flags = flagParsers('eval')
  withEmbedderOptions(
    program
      .command('eval')
      .description('score the engine on a benchmark set folder (faq.jsonl, queries.jsonl, optional calib.jsonl)')
      .argument('<set-dir>', 'benchmark set folder (see shared/benchmark/FORMAT.md)')
      .option('--json', 'print the report as JSON')
      .option('--calib-fraction <f>', 'calibrate on this seeded fraction of the queries and score only the rest', flags.numberBetween('--calib-fraction', 0.01, 0.99, 0.3))
      .option('--seed <n>', 'seed of the calibration split', flags.wholeNumber('--seed', 0, 2 ** 31), 1)
      .option('--self-calibrate', 'ignore calib.jsonl and self-calibrate from the FAQ variants')
      .option('--target-precision <p>', 'wanted answer precision', flags.numberBetween('--target-precision', 0.5, 0.999, 0.95), 0.95),
  ).action(async (setDir: string, opts) => {
    const embedder = await embedderFromFlags(opts)
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
}
