/**
 * XLSX reading with exceljs. Row numbers are the sheet's own row numbers, and cell values
 * (rich text, formulas, dates, hyperlinks) are turned into the plain strings a person sees.
 */
import ExcelJS from 'exceljs'
import { createError } from '../errors.js'
import type { Table } from './types.js'
import { isBlank } from './tabular.js'

/** A date cell as `YYYY-MM-DD` when it has no time of day, else full ISO 8601. */
function dateString(d: Date): string {
  const iso = d.toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso
}

/** The plain value of an exceljs cell value. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return dateString(value)
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('')
    if ('formula' in value || 'sharedFormula' in value) {
      const result = (value as { result?: ExcelJS.CellValue }).result
      return result === undefined ? '' : cellText(result as ExcelJS.CellValue)
    }
    if ('hyperlink' in value) return cellText((value as { text: ExcelJS.CellValue }).text)
    if ('error' in value) return String((value as { error: unknown }).error)
    return String(value)
  }
  return String(value)
}

/**
 * Read one sheet of an XLSX workbook as a {@link Table}: the named sheet, or the first one.
 * Throws KotaeError('FAQ_UNREADABLE') when the workbook cannot be opened or the sheet does not
 * exist (the message lists the sheets that do).
 */
export async function readXlsx(data: Buffer, source: string, sheetName?: string): Promise<Table> {
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer)
  } catch (err) {
    throw createError(
      'FAQ_UNREADABLE',
      { source, reason: `not a readable XLSX workbook (${(err as Error).message})`, hint: 'save it from Excel as .xlsx, or pass the format (CLI: --format csv) if it is CSV' },
      { cause: err },
    )
  }
  const names = workbook.worksheets.map((w) => w.name)
  const sheet = sheetName === undefined ? workbook.worksheets[0] : workbook.getWorksheet(sheetName)
  if (!sheet) {
    throw createError(
      'FAQ_UNREADABLE',
      sheetName === undefined
        ? { source, reason: 'the workbook has no sheets', hint: 'add a sheet with a header row and the entries' }
        : { source, reason: `no sheet named "${sheetName}"; the workbook has: ${names.map((n) => `"${n}"`).join(', ')}`, hint: 'pass one of those sheet names (CLI: --sheet <name>)' },
    )
  }
  const raw: { row: number; cells: string[] }[] = []
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = []
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value)
    })
    for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = ''
    raw.push({ row: rowNumber, cells })
  })
  const firstIndex = raw.findIndex((r) => !isBlank(r.cells))
  if (firstIndex < 0) return { header: [], headerRow: 1, rows: [] }
  const head = raw[firstIndex]!
  return { header: head.cells.map((h) => h.trim()), headerRow: head.row, rows: raw.slice(firstIndex + 1) }
}
