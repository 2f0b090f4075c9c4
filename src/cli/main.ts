#!/usr/bin/env node
/**
 * The `kotae` command: builds the commander program and registers one command per file of
 * `./commands/` (build, ask, check, eval, context, demo, and the content-team commands report,
 * suggest, prune, feedback). Every command has `--help`; errors print their code and an
 * actionable message, and exit 1.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { Command } from 'commander'
import { KotaeError } from '../errors.js'
import { registerAsk } from './commands/ask.js'
import { registerBuild } from './commands/build.js'
import { registerCheck } from './commands/check.js'
import { registerContext } from './commands/context.js'
import { registerDemo } from './commands/demo.js'
import { registerEval } from './commands/eval.js'
import { registerServe } from './commands/serve.js'
import { registerPublish } from './commands/publish.js'
import { registerOpsCommands } from './ops-commands.js'
import { loadWithEmbedder } from './embedder.js'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The version in package.json, for `kotae --version`. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
}

/** The `kotae` program (exported for tests). */
export function createProgram(): Command {
  const program = new Command()
  program.name('kotae').description('Answer customers from a multilingual FAQ: answer, clarify or escalate, with calibrated confidence.').version(packageVersion(), '-V, --version', 'print the version').showHelpAfterError()
  registerBuild(program)
  registerAsk(program)
  registerCheck(program)
  registerEval(program)
  registerContext(program)
  registerPublish(program)
  registerDemo(program, packageRoot)
  registerServe(program)
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

if (process.argv[1] && existsSync(process.argv[1]) && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main()
}
