/** TRANSITION (issue 12): the report moved to `ops/report/`; this path stays until `cli/ops-commands.ts` imports `../ops/index.js`. */
export * from './report/build.js'
