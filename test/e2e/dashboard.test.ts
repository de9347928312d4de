// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against the real stack
// (Envoy + filter + TME). Traffic goes through Envoy; the test signs in with the admin token and checks
// that the capture sampling (both rates, stored against counted only), the endpoints, a learned field
// with its sensitive badge, a blocked attack and the policy show.
// On failure a screenshot is saved under .cache/screenshots/; GATEWARDEN_DASHBOARD_SCREENSHOT=path saves
// one on success too (the README's picture).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CaptureStack, FAST_REPORTS } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const TOKEN = "dashboard-admin-token-0123456789";
// The same binary host/devstack/chromium.mjs installs.
const CHROMIUM = process.env.GATEWARDEN_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let stack: CaptureStack;
let browser: BrowserContext | undefined;
let profile = "";

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm run setup installs Chromium (apt-get install chromium)`);
  stack = await CaptureStack.start({
    // Both samplers on, so the page shows each: the filter reports half the exchanges in full, the TME
    // stores half of those. One Envoy worker, so the filter's counter (per worker) sees every exchange.
    tmeEnv: { TME_ADMIN_TOKEN: TOKEN, TME_STORE_SAMPLE_RATE: "0.5" },
    concurrency: 1,
    pluginConfig: {
      report: { ...FAST_REPORTS.report, sampleRate: 0.5 },
      enforcement: { refreshInterval: 0, holdHeadersForBody: true },
      policy: { detection: { action: "block" } },
    },
  });
  profile = mkdtempSync(join(tmpdir(), "gatewarden-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
  });
});
after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await stack?.stop();
});

async function screenshotOnFailure(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    mkdirSync(".cache/screenshots", { recursive: true });
    await page.screenshot({ path: `.cache/screenshots/${name}.png`, fullPage: true }).catch(() => undefined);
    throw error;
  }
}

test("the dashboard shows the capture sampling, the inventory, a learned field, a blocked attack and the policy", async () => {
  const admin = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  const put = await fetch(`${stack.tme!.url}/v1/policy`, {
    method: "PUT",
    headers: admin,
    body: JSON.stringify({ name: "dashboard-demo", detection: { action: "block" } }),
  });
  assert.equal(put.status, 200);
  // Ten exchanges without a verdict: the filter reports the 2nd, 4th … 10th in full (orders 22, 44, 66,
  // customers c1 and c3) and the rest as summaries; the TME stores every other full one (orders 44, c1).
  for (let i = 1; i <= 6; i++) await stack.send(`/api/orders/${i * 11}`);
  for (let i = 0; i < 4; i++) {
    await stack.send("/api/customers", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: `c${i}`, email: "grace@example.org", card: "5555 5555 5555 4444" }),
    });
  }
  assert.equal((await stack.send("/api/search?q=%3Cscript%3Ealert(1)%3C/script%3E")).response.status, 403);
  await waitFor("the inventory and the blocked capture", async () => {
    const res = await fetch(`${stack.tme!.url}/v1/apis`, { headers: admin });
    const { endpoints } = (await res.json()) as { endpoints: { count: number }[] };
    return endpoints.reduce((n, e) => n + e.count, 0) >= 11 ? true : undefined;
  });

  const page = await browser!.newPage();
  await screenshotOnFailure(page, "dashboard", async () => {
    // Not signed in: the login form, not the dashboard.
    const first = await page.goto(`${stack.tme!.url}/ui`);
    assert.equal(first?.status(), 401);
    await page.fill('input[name="token"]', TOKEN);
    await Promise.all([page.waitForURL(`${stack.tme!.url}/ui`), page.click('button[type="submit"]')]);

    // Every call counted, a sample stored: 11 calls, of which the blocked one and two others stored.
    const figure = (name: string) => page.locator(`#sampling [data-figure="${name}"] b`);
    await figure("counted").filter({ hasText: /^11$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await figure("filter-rate").innerText(), "0.5");
    assert.equal(await figure("store-rate").innerText(), "0.5");
    assert.equal(await figure("stored").innerText(), "3");
    assert.equal(await figure("counted-only").innerText(), "8");
    assert.match(await page.locator('#sampling [data-figure="counted-only"]').innerText(), /5 summaries, 3 sampled out/);

    const orders = page.locator('tr[data-endpoint="GET /api/orders/{orderId}"]');
    await orders.waitFor({ timeout: 10_000 });
    assert.match(await orders.innerText(), /\b6\b/);
    const customers = page.locator('tr[data-endpoint="POST /api/customers"]');
    assert.deepEqual((await customers.locator("[data-sensitive]").allInnerTexts()).sort(), ["card", "email"]);

    await customers.click();
    const email = page.locator('#schema [data-field="email"]').first();
    await email.waitFor({ timeout: 10_000 });
    assert.match(await email.innerText(), /string \(email\)/);
    assert.match(await email.innerText(), /email/);

    await page.locator('#attacks [data-category="xss"]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator("#captures").innerText(), /block xss/);
    assert.match(await page.locator("#policy").innerText(), /dashboard-demo/);

    const shot = process.env.GATEWARDEN_DASHBOARD_SCREENSHOT;
    if (shot) {
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot, fullPage: true });
    }
  });
  // The session is the browser's: the same API answers 401 without it.
  assert.equal((await fetch(`${stack.tme!.url}/v1/apis`)).status, 401);
  assert.equal((await fetch(`${stack.tme!.url}/ui/app.js`)).status, 401);
});
