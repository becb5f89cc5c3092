// Finding the real tools the tests drive (promtool, prometheus, chromium). On a developer machine
// without the tool the tests that need it are skipped, with a visible message; in CI
// (CI=true, where .ci/run installs them) a missing tool fails the run instead of silently testing
// less.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

/** The executable's absolute path, from PATH and then /usr/bin and /usr/local/bin, or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/**
 * The path of a tool a test file needs. Missing outside CI: prints why the tests will be skipped and
 * returns undefined (use it with `describe.skipIf(tool === undefined)`). Missing in CI: throws, so
 * the test file fails.
 *
 * @example
 * const promtool = requireTool('promtool', 'Debian package "prometheus"');
 * describe.skipIf(promtool === undefined)('promtool', () => { ... });
 */
export function requireTool(name: string, installHint = `install ${name}`): string | undefined {
  const found = findTool(name);
  if (found !== undefined) return found;
  if (process.env.CI === 'true') {
    throw new Error(`${name} is required in CI but was not found on PATH (${installHint})`);
  }
  process.stderr.write(
    `\n[slokit tests] ${name} not found: skipping the tests that need it (${installHint}).\n`,
  );
  return undefined;
}
