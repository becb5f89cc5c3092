// `npm run screenshots` keeps working: it writes the three PNGs the docs show, at the sizes it says.
// (What is on them is checked in the browser tests, by structure, not by pixels.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHOTS, writeScreenshots } from '../../scripts/screenshots.js';

const dir = mkdtempSync(path.join(tmpdir(), 'slokit-shots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('npm run screenshots', () => {
  it('writes light, dark and phone screenshots of the staged incident', async () => {
    const files = await writeScreenshots(dir);
    expect(files.map((f) => path.basename(f))).toEqual([
      'status-page-light.png',
      'status-page-dark.png',
      'status-page-phone.png',
    ]);
    expect(files.map(pngSize)).toEqual(SHOTS.map((s) => [s.width * s.scale, s.height * s.scale]));
  }, 60_000);
});
