/**
 * The server's Prometheus metrics (prom-client, a registry of its own so two servers in one
 * process do not mix): asks by decision and language, ask latency, hit-log queue depth, losses
 * and write errors, reloads, and which generation is served. The hit-log figures are read from
 * the log's own counters when Prometheus scrapes, so they are never out of step with `stats()`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AskResult } from '../schema.js'

/** What the metrics read from a hit log (the SQLite and the PostgreSQL logs both have it). */
export interface LogCounters {
  stats(): { queued: number; dropped: number; errors: number; written: number; recorded: number }
}

/** The metrics of one server. */
export class ServeMetrics {
  readonly registry = new Registry()
  private readonly asks: Counter<'decision' | 'lang' | 'route'>
  private readonly latency: Histogram<'route'>
  private readonly failures: Counter<'route' | 'code'>
  private readonly reloads: Counter
  private readonly sourceErrors: Counter<'code'>
  private readonly generation: Gauge<'generation'>

  constructor(log: LogCounters | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kotae_process_' })
    this.asks = new Counter({ name: 'kotae_asks_total', help: 'Questions answered, by decision and language', labelNames: ['decision', 'lang', 'route'], registers: [this.registry] })
    this.latency = new Histogram({
      name: 'kotae_ask_duration_seconds',
      help: 'Time to answer a question, from request to response body',
      labelNames: ['route'],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [this.registry],
    })
    this.failures = new Counter({ name: 'kotae_request_errors_total', help: 'Requests answered with an error, by route and error code', labelNames: ['route', 'code'], registers: [this.registry] })
    this.reloads = new Counter({ name: 'kotae_reloads_total', help: 'New knowledge-base generations swapped in after start', registers: [this.registry] })
    this.sourceErrors = new Counter({ name: 'kotae_source_errors_total', help: 'Failures of the generation source, by code: a new generation that could not be loaded (KB_*), the store unreachable (STORE_UNAVAILABLE); the current generation keeps answering', labelNames: ['code'], registers: [this.registry] })
    this.generation = new Gauge({ name: 'kotae_generation_info', help: 'The generation answering (value 1; its name in the label) and when it was loaded (ms)', labelNames: ['generation'], registers: [this.registry] })
    if (log) {
      new Gauge({ name: 'kotae_hitlog_queue_depth', help: 'Hit-log events waiting to be written', registers: [this.registry], collect() { this.set(log.stats().queued) } })
      new Gauge({ name: 'kotae_hitlog_dropped', help: 'Hit-log events lost since start (every loss is also reported to onError and the log)', registers: [this.registry], collect() { this.set(log.stats().dropped) } })
      new Gauge({ name: 'kotae_hitlog_write_errors', help: 'Hit-log store failures since start', registers: [this.registry], collect() { this.set(log.stats().errors) } })
      new Gauge({ name: 'kotae_hitlog_written', help: 'Hit-log events written since start', registers: [this.registry], collect() { this.set(log.stats().written) } })
    }
  }

  /** Count one answered question and its latency. */
  asked(route: string, result: AskResult, seconds: number): void {
    this.asks.inc({ decision: result.decision, lang: result.lang, route })
    this.latency.observe({ route }, seconds)
  }

  /** Count one request answered with an error. */
  failed(route: string, code: string): void {
    this.failures.inc({ route, code })
  }

  /** A new generation is answering. */
  served(generation: string, reload: boolean): void {
    this.generation.reset()
    this.generation.set({ generation }, 1)
    if (reload) this.reloads.inc()
  }

  /** The source failed: a new generation could not be loaded, or the store cannot be reached (the current one keeps answering). */
  sourceFailed(code: string): void {
    this.sourceErrors.inc({ code })
  }
}
