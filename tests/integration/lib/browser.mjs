// Debian's chromium, driven headless by playwright-core, for the web UI's
// end-to-end tests: one tab at 1280x800 in a fresh profile, where any script
// error or CSP refusal fails the run, and the screenshots docs/ui.md shows.

import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

import { REPO_ROOT, makeTempDir } from "./server.mjs";

const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
/** docs/ui when GUESTPASS_UI_SCREENSHOTS=1 (the tests then rewrite the screenshots), else null. */
export const SCREENSHOTS = process.env.GUESTPASS_UI_SCREENSHOTS === "1" ? path.join(REPO_ROOT, "docs", "ui") : null;

/** Starts chromium; resolves with {context, page}. Close `context` when done. */
export async function launchBrowser() {
  const profileDir = await makeTempDir("guestpass-chromium-");
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (err) => {
    throw err;
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") console.error(`browser console: ${msg.text()}`);
  });
  return { context, page };
}

/** Saves docs/ui/NAME.png when SCREENSHOTS is set (1280x800 unless a width is given). */
export async function screenshot(page, name, { width = 1280, height = 800, fullPage = false } = {}) {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  if (width !== 1280) await page.setViewportSize({ width, height });
  await page.waitForTimeout(300); // let transitions end
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
  if (width !== 1280) await page.setViewportSize({ width: 1280, height: 800 });
}
