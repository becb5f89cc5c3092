// Captures what slokit logs through OpenTelemetry's diag, for tests that assert "logged once".
import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { resetWarnings } from '../../src/runtime/diag.js';

/** Installs a diag logger that collects warn/info/error lines (and forgets earlier quiet periods). */
export function captureDiag(): string[] {
  resetWarnings();
  const lines: string[] = [];
  const push = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { suppressOverrideMessage: true });
  return lines;
}
