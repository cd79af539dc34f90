// The web IDE in a real browser (Debian's chromium, headless, driven by playwright-core) against a
// real server: what a customer does, step by step, on one page. Screenshots of the main screens go
// to test-output/screenshots/; with UPDATE_SCREENSHOT=1 the routing one also replaces docs/ide.png
// (the README shows it), so that a test run never changes a tracked file by itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const have = fs.existsSync(CHROMIUM);
if (!have && !process.env.CI) console.warn(`Skipping the web IDE's browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

it.runIf(!have && !!process.env.CI)('has chromium to test the web IDE with', () => {
  throw new Error(`${CHROMIUM} is missing: the web IDE's browser tests need it (apt-get install -y chromium)`);
});

/** Builds dist/web when it is missing or older than its sources (npm test builds it first anyway). */
function ensureBuilt(): void {
  const built = path.join(ROOT, 'dist/web/index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  const sources = Math.max(newest(path.join(ROOT, 'web')), newest(path.join(ROOT, 'examples')), fs.statSync(path.join(ROOT, 'scripts/build-web.mjs')).mtimeMs);
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs')], { stdio: 'pipe' });
}

const STREAMING = `/**
 * @param {ScriptForge.Data} data
 */
async function main(data) {
  console.log('dialling', data.number);
  await new Promise((resolve) => setTimeout(resolve, 800));
  console.info('answered after 800 ms');
  return { connected: data.number };
}
`;

const FAILING = `/**
 * @param {ScriptForge.Data} data
 */
async function main(data) {
  console.log('dialling', data.number);
  const route = data.routes.find((r) => data.number.startsWith(r.prefix));
  return { connected: data.number, via: route };
}
`;

const DNC = `// Refuse calls to the mobile range on the account's Do-Not-Call list.
function main(data) {
  const dest = data.routing.dest_number.replace(/^9/, '');
  if (dest.startsWith('4477')) throw new Error('604 Number on DNC List');
  return data;
}
`;

const VOICE = `async function main(data, ctx) {
  await ctx.answer();
  console.log('waiting for a digit');
  const d = await ctx.waitFor(/^[0-9]$/, null, 30);
  await ctx.tts('You pressed ' + d);
  await ctx.hangup();
}
`;

describe.skipIf(!have)('the web IDE in chromium', () => {
  let t: TestServer;
  let key: string;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];
  const problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const text = async (sel: string) => ((await page.locator(sel).first().innerText()) ?? '').replace(/\u00a0/g, ' ');
  /** The code editor's visible text. */
  const editorText = () => text('.editor-host:not(.diff-host) .view-lines');
  /** Replaces a Monaco editor's content: select all, paste (typing would auto-indent and auto-close). */
  async function setEditor(host: string, code: string): Promise<void> {
    await page.evaluate((c) => navigator.clipboard.writeText(c), code);
    await page.click(`${host} .view-lines`);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');
    const probe = code.split('\n').map((l) => l.trim()).sort((a, b) => b.length - a.length)[0];
    await expect.poll(async () => (await text(`${host} .view-lines`)).replace(/\s+/g, ' ')).toContain(probe.replace(/\s+/g, ' '));
  }
  async function createScript(name: string, template: string): Promise<void> {
    await page.click('#new-script');
    await page.fill('#script-name', name);
    await page.click(`.template:has-text("${template}")`);
    await page.click('.dialog button[value=create]');
    await page.waitForSelector(`.script-item.current:has-text("${name}")`);
    await page.waitForSelector(`.script-title:has-text("${name}")`);
  }
  async function save(version: number): Promise<void> {
    await page.keyboard.press('Control+S');
    await page.waitForSelector(`.version-badge:has-text("v${version} deployed")`);
    await page.waitForSelector('.dirty', { state: 'detached' });
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ensureBuilt();
    t = await startTestServer({ workers: 1 });
    key = (await t.account('carrier-co')).key;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('request', (r) => {
      if (!r.url().startsWith(t.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[01]/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in with an account key, kept in this tab’s session and never in a URL', async () => {
    await page.goto(t.url);
    await page.fill('#api-key', 'sf_not_a_key');
    await page.click('button[type=submit]');
    await expect.poll(() => text('#signin-error')).toContain('not known');
    await shot('01-sign-in');
    await page.fill('#api-key', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('.welcome-card');
    expect(await page.evaluate(() => sessionStorage.getItem('scriptforge.apiKey'))).toBe(key);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(key);
    expect(page.url()).not.toContain(key);
  });

  it('creates a script; autocompletes ctx. and data.routing.; marks a syntax error before saving', async () => {
    await page.click('#new-script');
    await page.fill('#script-name', 'ivr-menu');
    await page.click('.template:has-text("IVR menu")');
    await shot('02-new-script');
    await page.click('.dialog button[value=create]');
    await page.waitForSelector('.script-title:has-text("ivr-menu")');

    // Line 7 is `await ctx.answer();` in main(data, ctx), which the template types with JSDoc.
    await page.click('.editor-host .view-lines');
    await page.keyboard.press('Control+Home');
    for (let i = 1; i < 7; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await expect.poll(() => text('#cursor-pos')).toBe('Ln 7, Col 22');
    await page.keyboard.press('Enter');
    await page.keyboard.type('data.routing.');
    await expect.poll(() => text('.suggest-widget.visible'), { timeout: 20_000 }).toContain('dest_number');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('ctx.');
    await expect.poll(() => text('.suggest-widget.visible')).toMatch(/answer[\s\S]*ivr/);
    // The documentation beside the list (Ctrl-Space toggles it), from scriptforge.d.ts.
    await page.keyboard.press('Control+Space');
    await expect.poll(() => text('.suggest-details-container')).toMatch(/Answer the call/);
    for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => text('.suggest-details-container')).toMatch(/ivr\(file\?: string, timeoutSec\?: number[\s\S]*collect DTMF/);
    await page.waitForTimeout(300); // the details widget sizes itself to its text
    await shot('03-autocomplete');
    await page.keyboard.press('Escape');

    // `ctx.)` is a syntax error: marked as typed, and the server refuses to save it.
    await page.keyboard.type(')');
    await expect.poll(() => text('.statusbar')).toMatch(/errors?: line 8: Identifier expected/);
    await expect.poll(() => page.locator('.editor-host .squiggly-error').count()).toBeGreaterThan(0);
    await page.keyboard.press('Control+S');
    await expect.poll(() => text('.toasts')).toMatch(/Not saved: .*line 8/);
    expect(await text('.version-badge')).toBe('v1 deployed');
    for (let i = 0; i < 30 && (await page.locator('.dirty').count()); i++) await page.keyboard.press('Control+Z');
    await expect.poll(() => page.locator('.dirty').count()).toBe(0);
  });

  it('saves with Ctrl-S, runs, and streams a log line before the result', async () => {
    await createScript('dial', 'Blank app');
    await setEditor('.editor-host', STREAMING);
    expect(await editorText()).toContain("console.info('answered after 800 ms');");
    await save(2);
    await setEditor('#run-data', '{ "number": "447700900123" }');
    await page.click('#run');
    await page.waitForSelector('#console .log:has-text("dialling 447700900123")');
    expect(await page.locator('#result').count(), 'the log line shows while the script still runs').toBe(0);
    await shot('04-run-streaming');
    await page.waitForSelector('#result:has-text("connected")');
    expect(await text('#console')).toMatch(/\d\d:\d\d:\d\d\.\d{3}\s+log\s+dialling 447700900123[\s\S]*info\s+answered after 800 ms/i);
    expect(await text('#metrics')).toMatch(/cpu .*ms\s+wall (8\d\d|9\d\d|1\d{3}) ms/);
    await shot('05-run-result');
  });

  it('shows a run’s error and lands on its line', async () => {
    await setEditor('.editor-host', FAILING);
    await save(3);
    await page.click('#run');
    await page.waitForSelector('#outcome .result.error');
    expect(await text('#outcome')).toMatch(/TypeError[\s\S]*Cannot read properties of undefined \(reading 'find'\)/);
    await page.click('#outcome .jump');
    await expect.poll(() => text('#cursor-pos')).toMatch(/^Ln 6, Col \d+$/);
    await expect.poll(() => page.locator('.editor-host .line-error').count()).toBe(1);
    await shot('06-error-line');
  });

  it('diffs two versions and rolls back', async () => {
    await page.click('#tab-versions');
    await page.waitForSelector('#versions li[data-version="3"].deployed');
    expect(await page.locator('#versions li').count()).toBe(3);
    await page.click('#versions li[data-version="3"] button:has-text("Changes")');
    await page.waitForSelector('.monaco-diff-editor');
    await expect.poll(() => page.locator('.diff-host .line-insert, .diff-host .char-insert').count()).toBeGreaterThan(0);
    expect(await text('.diff-bar')).toMatch(/v2 → v3/);
    await shot('07-versions-diff');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.diff-host', { state: 'hidden' });

    await page.click('#versions li[data-version="2"] [data-action=deploy]');
    await page.click('.dialog button[value=ok]');
    await page.waitForSelector('.version-badge:has-text("v2 deployed")');
    expect(await text('.version-badge.warn')).toBe('latest v3');
    await expect.poll(editorText).toContain('setTimeout(resolve, 800)');
    await page.waitForSelector('#versions li[data-version="2"].deployed');
    await shot('08-rolled-back');
    await page.click('#tab-run');
    await page.click('#run');
    await page.waitForSelector('#result:has-text("connected")');
  });

  it('lists the executions with their logs', async () => {
    await page.click('#tab-executions');
    await expect.poll(() => page.locator('#executions .exec').count()).toBeGreaterThanOrEqual(3);
    await page.click('#executions .exec-row >> nth=0');
    await page.waitForSelector('.exec-detail .log:has-text("dialling")');
    expect(await text('#executions')).toMatch(/TypeError|INTERNAL|SCRIPT_ERROR/);
    await shot('09-executions');
  });

  it('routes a call and shows the routing before and after, the changes highlighted', async () => {
    await createScript('cli-rewrite', 'strip a dialling prefix');
    await page.click('#tab-routing');
    await page.click('#route');
    await page.waitForSelector('#verdict');
    expect(await text('#verdict')).toMatch(/Continue · 5 changes/);
    expect(await page.locator('#changes tbody tr').count()).toBe(5);
    for (const side of ['before', 'after']) {
      await expect.poll(() => page.locator(`.json-${side} .jl-changed[data-path="cli"]`).count()).toBe(1);
      await expect.poll(() => page.locator(`.json-${side} .jl-changed[data-path="dest_number"]`).count()).toBe(1);
      await expect.poll(() => page.locator(`.json-${side} .jl-changed[data-path="egress_routing[1].gw.413.cli"]`).count()).toBe(1);
    }
    await expect.poll(() => page.locator('.json-after .jl-changed').count()).toBe(5);
    expect(await text('.json-before [data-path="dest_number"]')).toContain('"9447700900123"');
    expect(await text('.json-after [data-path="dest_number"]')).toContain('"447700900123"');
    // On a larger screen, the split moved from the keyboard: the README's picture.
    await page.setViewportSize({ width: 1680, height: 1050 });
    await page.focus('.splitter');
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getAttribute('.splitter', 'aria-valuenow')).toBe('50');
    await page.locator('#verdict').scrollIntoViewIfNeeded();
    while (await page.locator('.toast').count()) await page.locator('.toast').first().click({ force: true, timeout: 1000 }).catch(() => {}); // dismissed
    await shot('10-routing-diff');
    if (process.env.UPDATE_SCREENSHOT) fs.copyFileSync(path.join(SHOTS, '10-routing-diff.png'), path.join(ROOT, 'docs/ide.png'));
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.click('.widen');

    await setEditor('.editor-host', DNC);
    await save(2);
    await page.click('#route');
    await expect.poll(() => text('#verdict')).toMatch(/Reject 604 Number on DNC List/);
    await shot('11-routing-reject');
    await page.click('.widen');
  });

  it('starts a simulated call, presses a digit on the keypad, and sees the timeline react', async () => {
    await createScript('voice-digit', 'Blank app');
    await setEditor('.editor-host', VOICE);
    await save(2);
    await page.click('#tab-call');
    expect(await page.locator('.key[data-digit="5"]').isDisabled()).toBe(true);
    await page.click('#call-start');
    // Answered, then waiting for a digit: the waitFor row is there, pending.
    await page.waitForSelector('#call-timeline tr[data-name="waitFor"].tl-pending');
    await expect.poll(() => text('#call-status')).toMatch(/Connected/);
    expect(await text('#call-timeline tr[data-name="answer"]')).toMatch(/ctx\.answer/);
    await page.waitForSelector('#call-logs .log:has-text("waiting for a digit")');
    // From the keyboard: focus the key and press Enter.
    await page.focus('.key[data-digit="5"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#call-timeline tr[data-name="dtmf"]:has-text("5")');
    await expect.poll(() => text('#call-timeline tr[data-name="waitFor"]')).toMatch(/"digits":"5"/);
    await page.waitForSelector('#call-timeline tr[data-name="tts"]:has-text("You pressed 5")');
    await page.waitForSelector('#call-result');
    expect(await text('#call-result')).toMatch(/Call over/);
    expect(await text('#call-pressed')).toBe('5');
    while (await page.locator('.toast').count()) await page.locator('.toast').first().click({ force: true, timeout: 1000 }).catch(() => {}); // dismissed
    await shot('15-call-simulator');

    // Again, and the caller hangs up while the script waits.
    await page.click('#call-start');
    await page.waitForSelector('#call-timeline tr[data-name="waitFor"].tl-pending');
    await page.click('#call-hangup');
    await page.waitForSelector('#call-timeline tr[data-name="hangup"]:has-text("caller")');
    await page.waitForSelector('#call-outcome .result');
    expect(await page.locator('#call-timeline tr[data-name="waitFor"] .tl-err').innerText()).toMatch(/CallEnded/);
    await expect.poll(() => page.locator('#call-start').isDisabled()).toBe(false);
  });

  it('works in a narrow window and from the keyboard', async () => {
    await page.setViewportSize({ width: 720, height: 900 });
    await page.click('#tab-run');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getAttribute('#tab-routing', 'aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-routing');
    await page.click('.menu-btn');
    await page.waitForSelector('.sidebar-open');
    await page.waitForTimeout(250);
    await shot('13-narrow-scripts');
    await page.click('.script-item:has-text("dial")');
    await page.waitForSelector('.script-title:has-text("dial")');
    await expect.poll(() => page.locator('.sidebar-open').count()).toBe(0);
    await page.waitForTimeout(250);
    await page.screenshot({ path: path.join(SHOTS, '14-narrow-editor.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('asked nothing of any other host, and the page logged no error', () => {
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
