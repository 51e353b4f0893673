/**
 * A small TOML writer for the broker configuration files: tables, arrays of tables, strings, numbers, booleans and
 * arrays of scalars. Keys keep insertion order so the output (and its hash) is stable for the same input.
 */

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable | undefined;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function renderToml(root: TomlTable): string {
  const out: string[] = [];
  writeTable(out, [], root);
  return `${out.join('\n').trim()}\n`;
}

const isTable = (v: TomlValue): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTableArray = (v: TomlValue): v is TomlTable[] => Array.isArray(v) && v.length > 0 && v.every(isTable);

function writeTable(out: string[], path: string[], table: TomlTable): void {
  const entries = Object.entries(table).filter(([, v]) => v !== undefined);
  for (const [k, v] of entries) {
    if (isTable(v) || isTableArray(v)) continue;
    out.push(`${key(k)} = ${scalar(v, [...path, k])}`);
  }
  for (const [k, v] of entries) {
    if (isTable(v)) {
      out.push('', `[${[...path, k].map(key).join('.')}]`);
      writeTable(out, [...path, k], v);
    } else if (isTableArray(v)) {
      for (const item of v) {
        out.push('', `[[${[...path, k].map(key).join('.')}]]`);
        writeTable(out, [...path, k], item);
      }
    }
  }
}

function key(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

function scalar(v: TomlValue, path: string[]): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${path.join('.')}: ${v} is not a TOML number`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map((x, i) => scalar(x, [...path, String(i)])).join(', ')}]`;
  throw new Error(`${path.join('.')}: a table inside an array of scalars cannot be written`);
}
