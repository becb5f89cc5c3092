// Shared by the reliability suite: its scale (small under `npm test`, large under `npm run soak`),
// the figure line each test prints, and real servers on 127.0.0.1.
import { appendFileSync, mkdirSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run soak` sets SLOKIT_SOAK=1: the long variants, with counts that take minutes. */
export const SOAK = process.env.SLOKIT_SOAK === '1';

/** `normal` under `npm test`, `soak` under `npm run soak`. */
export function scale(normal: number, soak: number): number {
  return SOAK ? soak : normal;
}

/**
 * Prints what a test measured, one line (`[reliability] <test>: requests=2000 failed=0 ...`), and
 * appends it to `.tmp/reliability-figures.jsonl`, so the figures in docs/reliability.md can be read
 * back from a run.
 */
export function report(test: string, figures: Readonly<Record<string, number | string | boolean>>): void {
  const line = Object.entries(figures)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? round(value) : String(value)}`)
    .join(' ');
  process.stdout.write(`[reliability${SOAK ? ' soak' : ''}] ${test}: ${line}\n`);
  try {
    mkdirSync(path.join(root, '.tmp'), { recursive: true });
    appendFileSync(
      path.join(root, '.tmp/reliability-figures.jsonl'),
      `${JSON.stringify({ test, soak: SOAK, at: new Date().toISOString(), ...figures })}\n`,
    );
  } catch {
    // The figures file is a convenience; the printed line is the report.
  }
}

function round(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 100) / 100;
}

/** Listens on a free port of 127.0.0.1 and resolves with it. */
export async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes a server, ending its keep-alive connections first. */
export async function close(server: http.Server | undefined): Promise<void> {
  if (server === undefined || !server.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Waits until `predicate` holds, checking every 10 ms; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Heap in use after a full collection, in MB (needs `node --expose-gc`; else without the collection). */
export function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 1_048_576;
}

/** The time limit of a test that plays a load: a minute under `npm test`, half an hour under `npm run soak`. */
export const LOAD_TEST_TIMEOUT_MS = SOAK ? 1_800_000 : 60_000;
