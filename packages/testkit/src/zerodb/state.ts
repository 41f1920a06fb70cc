import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { JsonObject } from './field-path'

/** A row as ZeroDB answers it. `row_id` is made by the server, never by the client. */
export interface EmulatorRow {
  row_id: string
  project_id: string
  table_id: string
  table_name: string
  row_data: JsonObject
  created_at: string
  updated_at: string
}

/** A table and its rows, in insertion order (the order `GET /rows` answers). */
export interface EmulatorTable {
  id: string
  name: string
  description: string
  project_id: string
  created_at: string
  updated_at: string
  rows: Map<string, EmulatorRow>
}

/** Every table of the emulated project, by name; tests read it to see what a store persisted. */
export type EmulatorTables = Map<string, EmulatorTable>

/**
 * The table object the API answers with (no rows).
 * @example tableView(table) // { id, name, description, project_id, created_at, updated_at, row_count }
 */
export function tableView(table: EmulatorTable): JsonObject {
  const { rows, ...rest } = table
  return { ...rest, row_count: rows.size }
}

/**
 * Looks a table up by name or by id (`/tables/{id_or_name}`).
 * @example findTable(tables, 'sessions')
 */
export function findTable(tables: EmulatorTables, idOrName: string): EmulatorTable | undefined {
  const byName = tables.get(idOrName)
  if (byName) return byName
  for (const table of tables.values()) if (table.id === idOrName) return table
  return undefined
}

/**
 * A new empty table.
 * @example tables.set('sessions', newTable('proj', 'sessions', ''))
 */
export function newTable(projectId: string, name: string, description: string): EmulatorTable {
  const now = new Date().toISOString()
  return { id: randomUUID(), name, description, project_id: projectId, created_at: now, updated_at: now, rows: new Map() }
}

/**
 * A new row with a server-made uuid and timestamps.
 * @example table.rows.set(row.row_id, row) // where row = newRow(table, { sid: 'a' })
 */
export function newRow(table: EmulatorTable, data: JsonObject): EmulatorRow {
  const now = new Date().toISOString()
  return {
    row_id: randomUUID(),
    project_id: table.project_id,
    table_id: table.id,
    table_name: table.name,
    row_data: data,
    created_at: now,
    updated_at: now,
  }
}

interface PersistedState {
  format: 1
  tables: (Omit<EmulatorTable, 'rows'> & { rows: EmulatorRow[] })[]
}

/**
 * Writes every table to `path` atomically: a temporary file beside it, then a rename, so a
 * crash mid-write never leaves a torn file (a rename within one directory is atomic on POSIX).
 * @example persistTables('/tmp/zerodb.json', tables)
 */
export function persistTables(path: string, tables: EmulatorTables): void {
  const state: PersistedState = {
    format: 1,
    tables: [...tables.values()].map((table) => ({ ...table, rows: [...table.rows.values()] })),
  }
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`
  writeFileSync(temp, JSON.stringify(state))
  renameSync(temp, path)
}

/**
 * Reads tables written by {@link persistTables}; an absent file is an empty project.
 * @example const tables = loadTables('/tmp/zerodb.json')
 */
export function loadTables(path: string): EmulatorTables {
  const tables: EmulatorTables = new Map()
  if (!existsSync(path)) return tables
  const state = JSON.parse(readFileSync(path, 'utf8')) as PersistedState
  for (const table of state.tables) {
    tables.set(table.name, { ...table, rows: new Map(table.rows.map((row) => [row.row_id, row])) })
  }
  return tables
}
