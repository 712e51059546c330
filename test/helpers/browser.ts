// Browser tests: a real Keyholder (temporary SQLite, the built web app) and Chromium driven by playwright-core.
// The browser: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the headless Chromium that `npm install` brought
// inside the @sparticuz/chromium package (unpacked once to the temp directory). Nothing is downloaded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { harnessOver, testConfig, type Harness } from './harness.ts';
import type { ManualClock } from '../../src/lib/clock.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(ROOT, 'web/dist');
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/** The phone every phone-sized test uses (an iPhone 14's CSS viewport). */
export const PHONE = { width: 390, height: 844 };
/** Longest wait for anything to appear on screen. */
export const WAIT_MS = 15_000;

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

/** Builds web/dist when it is missing or older than its sources; one build at a time across test files. */
export function ensureWebBuilt(): void {
  const sources = [
    path.join(ROOT, 'web/src'),
    path.join(ROOT, 'web/index.html'),
    path.join(ROOT, 'web/vite.config.ts'),
    path.join(ROOT, 'web/build'),
    path.join(ROOT, 'web/public'),
    path.join(ROOT, 'src/domain/permissions.ts'),
  ];
  const built = path.join(WEB_DIST, 'index.html');
  const stale = () => !fs.existsSync(built) || Math.max(...sources.map(newestMtime)) > fs.statSync(built).mtimeMs;
  if (!stale()) return;
  const lock = path.join(os.tmpdir(), 'keyholder-web-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another web build holds ${lock}; remove it if no build is running`);
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 170_000)
        fs.rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (!stale()) return;
    const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
    const run = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      // The test runner sets NODE_ENV=test, which would make Vite build React's development version.
      env: { ...process.env, NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    assert.equal(run.status, 0, `vite build failed:\n${run.stdout}\n${run.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface WebServer {
  url: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startWebServer(env: Record<string, string> = {}): Promise<WebServer> {
  ensureWebBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-browser-'));
  const runtime = await createRuntime(testConfig({ DATA_DIR: dir, COOKIE_SECURE: 'false', ...env }), {
    webRoot: WEB_DIST,
  });
  await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const address = runtime.app.server.address();
  assert.ok(address && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}`,
    runtime,
    async stop() {
      await runtime.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Holds a cross-process lock (a directory) while `fn` runs: test files run in parallel processes. */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), name);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another test process holds ${lock}; remove it if none runs`);
      if (Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 110_000)
        fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The Chromium executable the browser tests use (see the file comment for the order). */
export async function chromiumPath(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    assert.ok(fs.existsSync(configured), `CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  if (fs.existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  // The package unpacks its brotli-compressed binary (and fonts) on first use; one process at a time, so that no
  // test launches a half-written file.
  return withLock('keyholder-chromium-unpack.lock', async () => {
    const { default: packaged } = await import('@sparticuz/chromium');
    return packaged.executablePath();
  });
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors seen so far (expected 4xx answers aside). */
  problems: string[];
  /** Checks the screen's accessibility (assertAccessible), then saves a screenshot. */
  shot(name: string): Promise<void>;
}

/** One person = one isolated browser context (own cookies), phone-sized unless asked otherwise. */
export async function openPerson(browser: Browser, baseURL: string, name: string, viewport = PHONE): Promise<Person> {
  const context = await browser.newContext({
    baseURL,
    viewport,
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'Europe/Dublin',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every non-2xx fetch; those are the API's expected problem answers, shown on screen instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${msg.text()}`);
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    name,
    context,
    page,
    problems,
    async shot(file) {
      await assertAccessible(page, file);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`) });
    },
  };
}

/** The newest code in the dev mailbox sent to `recipient`. */
export async function mailedCode(server: WebServer, recipient: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await fetch(`${server.url}/api/dev/mailbox`);
    assert.equal(res.status, 200);
    const messages = (await res.json()) as Array<{ recipient: string; body: string; subject: string }>;
    const mine = messages.find(
      (m) => m.recipient.toLowerCase() === recipient.toLowerCase() && /\b\d{6}\b/.test(m.body),
    );
    if (mine) return /\b(\d{6})\b/.exec(mine.body)![1]!;
    if (Date.now() > deadline) throw new Error(`no code mailed to ${recipient}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A one-frame Y4M video of a picture (e.g. a QR ID PNG), for Chromium's fake camera
 * (--use-file-for-fake-video-capture): grey levels on a white 640x480 frame.
 */
export function pngToY4m(png: Buffer, file: string): void {
  const img = PNG.sync.read(png);
  const W = 640;
  const H = 480;
  const scale = Math.max(1, Math.floor(Math.min((W - 40) / img.width, (H - 40) / img.height)));
  const w = img.width * scale;
  const h = img.height * scale;
  const x0 = Math.floor((W - w) / 2);
  const y0 = Math.floor((H - h) / 2);
  const luma = Buffer.alloc(W * H, 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((Math.floor(y / scale) * img.width + Math.floor(x / scale)) << 2) >>> 0;
      const a = img.data[i + 3]! / 255;
      const grey = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      luma[(y0 + y) * W + x0 + x] = Math.round(grey * a + 255 * (1 - a));
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma]),
  );
}

/** Smallest tap target on a phone, in CSS pixels (WCAG 2.5.5, Apple and Android guidance). */
export const TAP_TARGET_PX = 44;

/**
 * What an accessibility review of the current screen would flag: axe-core's serious and critical violations
 * (contrast, names, roles, labels…), and on a phone-sized screen every tap target under 44×44 px (inline links in
 * running text excepted, as WCAG does; a checkbox or radio counts with its label, which is what is tapped).
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const problems = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  const phone = (page.viewportSize()?.width ?? 1000) < 600;
  if (!phone) return problems;
  const small = await page.evaluate((min) => {
    const found: string[] = [];
    const targets = document.querySelectorAll<HTMLElement>(
      'button, a[href], select, input:not([type=hidden]), textarea, summary, [role=switch], [tabindex="0"]',
    );
    for (const el of targets) {
      if (el.closest('dialog:not([open])')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      // Inline links inside a sentence are exempt.
      if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.parentElement?.closest('p, li'))
        continue;
      const measured =
        el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')
          ? (el.closest('label') ?? el)
          : el;
      const r = measured.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // Visually hidden inputs (segmented controls) are tapped through their label.
      if (r.width <= 2 && r.height <= 2) continue;
      if (r.width < min - 0.5 || r.height < min - 0.5) {
        const name = (
          el.getAttribute('aria-label') ||
          el.textContent ||
          measured.textContent ||
          `${el.tagName} in .${el.parentElement?.className}`
        )
          .trim()
          .slice(0, 40);
        found.push(`tap target "${name}" is ${Math.round(r.width)}×${Math.round(r.height)} px`);
      }
    }
    return found;
  }, TAP_TARGET_PX);
  return [...problems, ...small];
}

/** Fails with the list when the screen has accessibility problems (see accessibilityProblems). */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  const problems = await accessibilityProblems(page);
  assert.deepEqual(problems, [], `${screen}: ${problems.length} accessibility problems`);
}

/** The web server's runtime as a test harness (HTTP through inject), for the API helpers in people.ts/installer.ts. */
export function harnessOf(server: WebServer): Harness {
  return harnessOver(server.runtime, server.runtime.ctx.clock as ManualClock, 'sqlite');
}

/** The password of every person the test helpers sign up (people.ts, verifiedToken). */
export const PASSWORD = 'correct horse battery';

/** Logs in through the login screen; owners land on Home, installers on the portal (where their work is). */
export async function logIn(p: Person, email: string, password = PASSWORD): Promise<void> {
  await p.page.goto('/login');
  await p.page.getByLabel('Email or phone').fill(email);
  await p.page.getByLabel('Password').fill(password);
  await p.page.getByRole('button', { name: 'Log in' }).click();
  await p.page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await p.page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** A JSON call to the running server that must succeed (the failing status and body in the message otherwise). */
export async function api(server: WebServer, method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(server.url + url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${await res.clone().text()}`);
  return res;
}

/** A session token for someone with a verified email (set in the database: shares to unproven addresses only wait). */
export async function verifiedToken(server: WebServer, name: string, email: string): Promise<string> {
  const password = PASSWORD;
  await api(server, 'POST', '/api/auth/register', { email, password, displayName: name });
  await server.runtime.ctx.db
    .updateTable('accounts')
    .set({ email_verified_at: Date.now() })
    .where('email', '=', email)
    .execute();
  const res = await api(server, 'POST', '/api/auth/tokens', { login: email, password });
  return ((await res.json()) as { token: string }).token;
}

/** A tab of the main navigation (Home / Messages / Portal for installers / Me). */
export function tab(page: Page, name: string) {
  // The Messages tab's name grows with its badge ("Messages 2 unread").
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}(\\s|$)`) });
}
