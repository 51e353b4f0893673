/** The generated CRD files: one YAML file per kind, named after the CRD, as `npm run gen` writes them. */
import { stringify } from 'yaml';
import { buildCrd } from './crd.ts';
import { kinds } from './index.ts';

export const CRD_HEADER = '# Generated from src/apis by `npm run gen`. Do not edit.\n';

/** File name → YAML text for every kind's CRD. Pure. */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const def of kinds) {
    files.set(`${def.crdName}.yaml`, CRD_HEADER + stringify(buildCrd(def), { lineWidth: 0 }));
  }
  return files;
}
