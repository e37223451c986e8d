import { execa } from 'execa';
import { tempDir } from './paths.js';

/** Debian's chromium, headless, with the network features that would reach out turned off. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--virtual-time-budget=3000',
];

export function chromiumBinary(): string {
  return process.env.CHROMIUM ?? 'chromium';
}

/** The DOM after the page's scripts ran. */
export async function renderedDom(file: string): Promise<string> {
  const r = await execa(chromiumBinary(), [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, '--dump-dom', `file://${file}`], { timeout: 60_000 });
  return String(r.stdout);
}

export async function screenshot(file: string, png: string): Promise<void> {
  await execa(chromiumBinary(), [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, '--window-size=1400,1000', `--screenshot=${png}`, `file://${file}`], { timeout: 60_000 });
}
