/** Running the real `kotae` command from the tests, the way a user types it (through tsx, so no build is needed). */
import { execFile } from 'node:child_process'
import { join } from 'node:path'

/** The repository root. */
export const ROOT = join(import.meta.dirname, '../..')

/** What one run of the command gave. */
export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Run `kotae <args>` from the repository root and collect its exit code and output. */
export function kotae(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}
