/** TRANSITION (issue 12): the report page moved to `ops/report/html.ts`; this path stays until `cli/ops-commands.ts` imports `../ops/index.js`. */
export * from './report/html.js'
