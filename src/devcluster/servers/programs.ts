/**
 * The programs a server launcher runs, resolved once on a search path (injectable, so a test can take a program
 * away without uninstalling anything). A missing program is named with the Debian package that provides it.
 */
import { defaultProgramPath, findProgram, packageProviding } from '../system-packages.ts';
import { InitError } from './process.ts';

export interface ResolvedPrograms {
  /** the absolute path of a program (its bare name when it is missing, so a spawn fails as it would have) */
  path(program: string): string;
  /** programs not found */
  readonly missing: string[];
  /** throws an InitError naming the missing programs and their packages */
  assertPresent(): void;
}

export function resolvePrograms(programs: readonly string[], searchPath = defaultProgramPath()): ResolvedPrograms {
  const found = new Map(programs.map((p) => [p, findProgram(p, searchPath)]));
  const missing = programs.filter((p) => !found.get(p));
  return {
    path: (p) => found.get(p) ?? findProgram(p, searchPath) ?? p,
    missing,
    assertPresent() {
      if (missing.length) throw new InitError(missingProgramsMessage(missing));
    },
  };
}

/** Missing programs grouped by the package to install. */
export function packagesFor(programs: readonly string[]): { package: string | undefined; programs: string[] }[] {
  const groups = new Map<string | undefined, string[]>();
  for (const p of programs) {
    const pkg = packageProviding(p);
    groups.set(pkg, [...(groups.get(pkg) ?? []), p]);
  }
  return [...groups].map(([pkg, ps]) => ({ package: pkg, programs: ps }));
}

/**
 * "mariadb-install-db is not installed (Debian package mariadb-server): apt-get install -y mariadb-server" — what a
 * person does about it, in one line.
 */
export function missingProgramsMessage(programs: readonly string[]): string {
  const groups = packagesFor(programs);
  const what = groups
    .map((g) => `${g.programs.join(', ')}${g.package ? ` (Debian package ${g.package})` : ''}`)
    .join('; ');
  const packages = groups.flatMap((g) => (g.package ? [g.package] : []));
  const verb = programs.length === 1 ? 'is' : 'are';
  return `${what} ${verb} not installed on this machine${
    packages.length ? `: apt-get install -y ${packages.join(' ')} ('statecraft cluster up' installs it)` : ''
  }`;
}
