/**
 * Generations from a knowledge-base folder on disk: the server answers from the generation the
 * folder's `manifest.json` names, and when a save (`kotae build`, `suggest --accept`, `kb.save`)
 * commits a new manifest, the new generation is loaded and verified in the background, then
 * handed to the server. The save keeps the previous generation's folder, so the load never races
 * the writer; a manifest that changes while loading is read again.
 *
 * The folder is watched (`fs.watch`) and, because watches can miss events (network file
 * systems, editors replacing the folder), also polled every `pollIntervalMs`.
 */
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadKnowledgeBase } from '../engine.js'
import { createError, KotaeError } from '../errors.js'
import type { LoadOptions } from '../kb/store.js'
import type { GenerationListener, GenerationSource, ServedGeneration } from './source.js'

/** How often the manifest is read when no watch event came, ms. */
const DEFAULT_POLL_MS = 1_000
/** Loads tried when the manifest keeps changing while loading. */
const LOAD_ATTEMPTS = 5

/** The generation a folder's manifest names, or null when there is no readable manifest. */
async function manifestGeneration(dir: string): Promise<string | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { generation?: unknown }
    return typeof manifest.generation === 'string' ? manifest.generation : null
  } catch {
    return null
  }
}

/** A knowledge-base folder, watched for new generations (see the module comment). */
export class FolderGenerationSource implements GenerationSource {
  readonly description: string
  private readonly dir: string
  /** The last generation loaded, or tried and failed (tried again only when the manifest names another). */
  private seen: string | null = null
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private checking: Promise<void> | null = null
  private again = false
  private closed = false

  constructor(
    dir: string,
    private readonly loadOptions: LoadOptions = {},
    private readonly pollIntervalMs = DEFAULT_POLL_MS,
  ) {
    this.dir = resolve(dir)
    this.description = this.dir
  }

  /** Load the generation the manifest names (verified by `loadKnowledgeBase`), with its name. */
  private async load(): Promise<ServedGeneration> {
    for (let attempt = 1; ; attempt++) {
      const before = await manifestGeneration(this.dir)
      const kb = await loadKnowledgeBase(this.dir, this.loadOptions)
      const after = await manifestGeneration(this.dir)
      if (before !== null && before === after) return { id: before, kb, loadedAt: Date.now() }
      if (attempt >= LOAD_ATTEMPTS) throw createError('KB_NOT_FOUND', { dir: this.dir, reason: `its manifest changed during each of ${LOAD_ATTEMPTS} loads (is a writer saving in a loop?)` })
    }
  }

  async open(): Promise<ServedGeneration> {
    const generation = await this.load()
    this.seen = generation.id
    return generation
  }

  watch(listener: GenerationListener): void {
    const check = () => {
      if (this.closed) return
      if (this.checking) {
        this.again = true
        return
      }
      this.checking = (async () => {
        do {
          this.again = false
          const named = await manifestGeneration(this.dir)
          if (named === null || named === this.seen) continue
          try {
            const generation = await this.load()
            if (this.closed || generation.id === this.seen) continue
            this.seen = generation.id
            listener.onGeneration(generation)
          } catch (err) {
            // The old generation keeps answering; the next change or poll tries again.
            this.seen = named
            listener.onError(err instanceof KotaeError ? err : createError('KB_NOT_FOUND', { dir: this.dir, reason: `the new generation ${named} cannot be loaded: ${(err as Error).message}` }, { cause: err }))
          }
        } while (this.again && !this.closed)
      })().finally(() => {
        this.checking = null
      })
    }
    try {
      this.watcher = watch(this.dir, (_event, name) => {
        if (name === null || name === 'manifest.json') check()
      })
      this.watcher.on('error', () => {
        /* the poll below still sees new generations */
      })
    } catch {
      /* no watch on this file system: the poll does the work */
    }
    this.timer = setInterval(check, this.pollIntervalMs)
    this.timer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    this.watcher?.close()
    if (this.timer) clearInterval(this.timer)
    await this.checking
  }
}
