/** TRANSITION (issue 12): the hit log moved to `src/hitlog/`; this path stays until `cli/main.ts` and `cli/ops-commands.ts` import `../hitlog/index.js` (or `../ops/index.js`). */
export * from '../hitlog/index.js'
