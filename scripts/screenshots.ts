// Screenshots of the status page during the staged incident of its browser tests, with its fleet
// view (two more instances, backfilled into a real Prometheus): light and dark at desktop width,
// and light at phone width, written to docs/images/ (`npm run screenshots`) or to the folder given
// (`npm run screenshots -- <folder>`). The README shows the light one.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from '../test/status/browser.js';
import { SELECTOR, startIncidentFleet } from '../test/status/fleet-history.js';
import { INCIDENT_PAGE_OPTIONS, stageIncident } from '../test/status/incident.js';

export const SHOTS = [
  { file: 'status-page-light.png', colorScheme: 'light', width: 1200, height: 1400, scale: 1 },
  { file: 'status-page-dark.png', colorScheme: 'dark', width: 1200, height: 1400, scale: 1 },
  { file: 'status-page-phone.png', colorScheme: 'light', width: 390, height: 844, scale: 2 },
] as const;

/** Writes the screenshots into `dir` and returns their paths. */
export async function writeScreenshots(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const fleet = await startIncidentFleet();
  const incident = await stageIncident('express', {
    ...INCIDENT_PAGE_OPTIONS,
    prometheus: fleet.url,
    selector: SELECTOR,
  });
  const browser = await launchChromium();
  try {
    const written: string[] = [];
    for (const shot of SHOTS) {
      const page = await browser.newPage({
        colorScheme: shot.colorScheme,
        viewport: { width: shot.width, height: shot.height },
        deviceScaleFactor: shot.scale,
      });
      await page.goto(`${incident.base}/slo`);
      const file = path.join(dir, shot.file);
      await page.screenshot({ path: file });
      await page.close();
      written.push(file);
    }
    return written;
  } finally {
    await browser.close();
    await incident.close();
    await fleet.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'images'));
  for (const file of await writeScreenshots(dir)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
