/** A progress bar on a TTY (stderr), silence elsewhere, for the long CLI steps. */
import cliProgress from 'cli-progress'
import type { ProgressListener } from '../engine.js'

/** A progress listener that draws one bar per stage on a TTY, and a stop function. */
export function progressBar(enabled = Boolean(process.stderr.isTTY)): { onProgress?: ProgressListener; stop: () => void } {
  if (!enabled) return { stop: () => {} }
  let bar: cliProgress.SingleBar | undefined
  let stage = ''
  const onProgress: ProgressListener = (name, done, total) => {
    if (name !== stage) {
      bar?.stop()
      stage = name
      bar = new cliProgress.SingleBar(
        { format: `${name.padEnd(9)} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
      bar.start(total, done)
    } else bar?.update(done)
  }
  return { onProgress, stop: () => bar?.stop() }
}
