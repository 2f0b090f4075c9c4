/**
 * The content-operations report: {@link buildReport} turns the hit log (and the FAQ) into the
 * report data, {@link renderReportHtml} into a self-contained page. One folder, because the page
 * is a view of exactly that data and nothing else reads it.
 */
export { type ReportOptions, ReportOptionsSchema, DEFAULT_REPORT_OPTIONS, type OpsReport, type EntryReport, type GroupReport, type PageReport, type SurgeReport, buildReport, SURGE_RULE, surgeRuleText } from './build.js'
export { DEFINITIONS, type DefinitionKey } from './definitions.js'
export { renderReportHtml, escapeHtml } from './html.js'
