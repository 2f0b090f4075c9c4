/**
 * The options of an import, each one zod schema with its defaults: how to read the data (encoding,
 * sheet, default language, column mapping, limits) and, for a file, its format.
 */
import { z } from 'zod'
import { ImportLimitsSchema } from './limits.js'
import { FAQ_FORMATS } from './types.js'

/**
 * Explicit header → field mapping, e.g. `{ "FAQ本文": "answer", "備考": "ignore" }`. Fields: id,
 * lang, question, answer, category, tags, updatedAt, variants (one per line, or several columns),
 * metadata, ignore (see `COLUMN_FIELDS`); a field kotae does not have is `UNKNOWN_COLUMN_FIELD`.
 * Headers the mapping does not name are matched by their usual names in en/ja/ko/zh.
 */
export const ColumnMappingSchema = z.custom<Record<string, string>>(
  // Checked, never copied: a copy would assign a `__proto__` header as the prototype and lose it
  // (a `{ "__proto__": "ignore" }` mapping is how a file with such a column is read).
  (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((field) => typeof field === 'string'),
  { message: 'must map each header to a field name, e.g. { "質問文": "question" }' },
)
/** A header → field mapping (see {@link ColumnMappingSchema}). */
export type ColumnMapping = z.output<typeof ColumnMappingSchema>

/**
 * How to read FAQ data (see {@link importFaq}). Every option has a default that reads most files;
 * an option kotae does not know is an `INVALID_OPTIONS` error rather than silently ignored.
 */
export const ImportFaqOptionsSchema = z.strictObject({
  /** Text encoding of CSV/TSV bytes (e.g. `shift_jis`, `euc-kr`, `gb18030`); detected when absent. */
  encoding: z.string().min(1).optional(),
  /** XLSX: the sheet to read (default: the first sheet). */
  sheet: z.string().optional(),
  /**
   * BCP-47 language tag for rows that have none (no `lang` column, or an empty cell). It is
   * checked on each row like a `lang` cell, so a bad tag is an issue on every row it fills.
   */
  lang: z.string().optional(),
  /** Header → field mapping for CSV/TSV/XLSX (default: none, headers are recognised by name). */
  columns: ColumnMappingSchema.default({}),
  /**
   * Import limits to change (the others keep their default; see `DEFAULT_IMPORT_LIMITS`):
   * characters per text field, variants and tags per entry, metadata depth and size, file size.
   * An entry over a limit is an error issue on its row; data over `maxFileBytes` is not read.
   */
  limits: ImportLimitsSchema.prefault({}),
  /** Name of the data in issues and errors (default: the path, or `(input)` for data in memory). */
  source: z.string().min(1).optional(),
})
/** How to read FAQ data, as a caller writes it (see {@link ImportFaqOptionsSchema}). */
export type ImportFaqOptions = z.input<typeof ImportFaqOptionsSchema>

/** How to read an FAQ file: {@link ImportFaqOptionsSchema} plus the format, which defaults to the one the extension says. */
export const ImportFaqFileOptionsSchema = ImportFaqOptionsSchema.extend({
  /** Overrides the format chosen from the file extension. */
  format: z.enum(FAQ_FORMATS).optional(),
})
/** How to read an FAQ file, as a caller writes it (see {@link ImportFaqFileOptionsSchema}). */
export type ImportFaqFileOptions = z.input<typeof ImportFaqFileOptionsSchema>

/** The import options with every default applied (no mapping, default limits, format from the extension). */
export const DEFAULT_IMPORT_OPTIONS: Readonly<z.output<typeof ImportFaqFileOptionsSchema>> = Object.freeze(ImportFaqFileOptionsSchema.parse({}))
