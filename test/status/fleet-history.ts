// The fleet of the staged incident (incident.ts), for the status page's fleet view: two other
// instances of the shop over the same two days, backfilled into a real Prometheus (Debian's
// package) with promtool (test/fleet/backfill.ts), so that the page has a fleet to show beside the
// instance. Used by the fleet view's browser tests and by the screenshots.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backfillHistory, startPrometheus } from '../fleet/backfill.js';
import type { HistorySeries } from '../fleet/backfill.js';
import { HISTORY_MS, MINUTE } from './incident.js';

/** Where the staged incident's history starts and ends (the fake clock's start, then two days on). */
export const START = Date.UTC(2025, 0, 1);
export const END = START + HISTORY_MS;
export const MINUTES = HISTORY_MS / MINUTE;
export const FLEET = ['shop-a:9464', 'shop-b:9464'] as const;
export const SELECTOR = { job: 'shop' };

/**
 * The other instances' events in minute `m` (1 ≤ m ≤ MINUTES): checkout 100 a minute with one bad
 * every hour, then 5 bad a minute for the last 20 minutes (the same outage: the 1h/5m page fires
 * fleet-wide); api-availability 300 a minute with one bad every 10 minutes. Catalog freshness is
 * not scraped at all: Prometheus holds nothing of it.
 */
export function traffic(sli: string, instance: number, m: number): { good: number; bad: number } {
  if (sli === 'checkout') {
    const bad = m > MINUTES - 20 ? 5 : m % 60 === 17 + instance ? 1 : 0;
    return { good: 100 - bad, bad };
  }
  const bad = m % 10 === 3 + instance ? 1 : 0;
  return { good: 300 - bad, bad };
}

/** Counter samples once a minute, from a zero sample at START to the last minute at END. */
function history(): HistorySeries[] {
  const series: HistorySeries[] = [];
  for (const sli of ['checkout', 'api-availability']) {
    FLEET.forEach((instance, i) => {
      for (const outcome of ['good', 'bad'] as const) {
        let value = 0;
        const samples: [number, number][] = [[START, 0]];
        for (let m = 1; m <= MINUTES; m++) {
          value += traffic(sli, i, m)[outcome];
          samples.push([START + m * MINUTE, value]);
        }
        series.push({
          labels: {
            job: 'shop',
            instance,
            slokit_sli_name: sli,
            slokit_sli_outcome: outcome,
            ...(outcome === 'bad' ? { slokit_sli_reason: 'status' } : {}),
          },
          samples,
        });
      }
    });
  }
  return series;
}

/** The ground truth: the other instances' events of `sli` in the last `minutes` minutes before END. */
export function truth(sli: string, minutes: number): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (let m = Math.max(1, MINUTES - minutes + 1); m <= MINUTES; m++) {
    for (let i = 0; i < FLEET.length; i++) {
      const e = traffic(sli, i, m);
      good += e.good;
      bad += e.bad;
    }
  }
  return { good, bad };
}

export interface IncidentFleet {
  /** The Prometheus base URL. */
  readonly url: string;
  /** Stops Prometheus (idempotent); the page then cannot reach it. */
  stop(): Promise<void>;
  /** Stops Prometheus and removes its data. */
  close(): Promise<void>;
}

/** Backfills the fleet's history and starts Prometheus on it, on a free loopback port. */
export async function startIncidentFleet(): Promise<IncidentFleet> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slokit-status-fleet-'));
  try {
    const data = path.join(dir, 'data');
    await backfillHistory(dir, data, 'slokit_sli_events_total', history());
    const prometheus = await startPrometheus(dir, data, []);
    return {
      url: prometheus.url,
      stop: () => prometheus.stop(),
      close: async () => {
        await prometheus.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
