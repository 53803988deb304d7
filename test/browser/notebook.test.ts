// Figures in a real browser (issue 5): Debian's classic Notebook serves a notebook on loopback with
// the tsamp kernel, headless Chromium (playwright-core) runs every cell, and we check that each
// figure drew (trace marks inside .js-plotly-plot), that the live training view ended in its final
// state, that the saved notebook carries plotly.js once, and that nbconvert's offline HTML export
// draws the figures too. Screenshots go to $TSAMP_ARTIFACTS or ./.tsamp-artifacts/browser.
//
// Needs `npm run build` (Jupyter starts dist/kernel/main.js), /usr/bin/chromium, jupyter-notebook
// and nbconvert. Without them the suite is skipped, unless CI or TSAMP_REQUIRE_BROWSER=1 is set:
// then it fails.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "dist/kernel/main.js");
const CHROMIUM = process.env.TSAMP_CHROMIUM ?? "/usr/bin/chromium";
const PYTHON = "/usr/bin/python3";
const KERNEL_NAME = "tsamp-browser-test";
const ARTIFACTS = resolve(process.env.TSAMP_ARTIFACTS ?? join(ROOT, ".tsamp-artifacts/browser"));
const REQUIRED = Boolean(process.env.CI) || process.env.TSAMP_REQUIRE_BROWSER === "1";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Figures the notebook draws: figure, breakdown, live view, scaler panel, heatmap. */
const FIGURES = 5;
const STEPS = 200;
const PLOTLY_MIME = "application/vnd.plotly.v1+json";

function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function hasNbconvert(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import nbconvert"]).status === 0;
}

const JUPYTER_NOTEBOOK = which("jupyter-notebook");
const missing = [
  existsSync(CHROMIUM) ? null : `chromium (${CHROMIUM})`,
  JUPYTER_NOTEBOOK ? null : "jupyter-notebook (Debian: jupyter-notebook)",
  hasNbconvert() ? null : "nbconvert (Debian: python3-nbconvert)",
].filter((m): m is string => m !== null);

// ---- the notebook under test ----

const code = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, source, outputs: [], execution_count: null });
const markdown = (id: string, source: string) => ({ cell_type: "markdown", id, metadata: {}, source });

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (tsamp, browser test)", language: "typescript" },
    language_info: { name: "typescript" },
  },
  cells: [
    markdown("intro", "# tsamp figures in a browser\nA figure, a breakdown, a live training view, a scaler panel and a heatmap."),
    code(
      "figure",
      `viz.figure({
  data: [
    { type: "scatter", mode: "lines+markers", name: "float32", x: [0, 1, 2, 3, 4], y: [2.3, 1.1, 0.7, 0.5, 0.42] },
    { type: "scatter", mode: "lines+markers", name: "mixed_float16", x: [0, 1, 2, 3, 4], y: [2.3, 1.15, 0.72, 0.52, 0.43] },
  ],
  layout: { title: { text: "Validation loss by policy" }, xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "loss" } } },
})`,
    ),
    code(
      "breakdown",
      `const grads = tf.tidy(() => tf.mul(tf.pow(2, tf.randomNormal([20000], -14, 5, "float32", 7)), tf.sign(tf.randomNormal([20000], 0, 1, "float32", 3))));
viz.breakdown(grads, { formats: ["float16", "bfloat16", "e4m3"], title: "Gradients against float formats" })`,
    ),
    code(
      "live",
      `const view = viz.trainingView({ total: ${STEPS}, title: "Fake training", batchSize: 64 });
const scaler = amp.lossScale.dynamic({ growthInterval: 50 });
for (let step = 0; step < ${STEPS}; step++) {
  await new Promise((r) => setTimeout(r, 10));
  const ev = scaler.update(step === 30 || step === 31 || step === 140);
  view.onStep({ step, loss: 2.3 * Math.exp(-step / 60) + 0.1 + 0.05 * Math.sin(step), accuracy: 1 - 0.9 * Math.exp(-step / 50), scale: ev.scale, foundInf: ev.foundInf });
  if (step % 50 === 49) view.onEpochEnd(Math.floor(step / 50), { val_loss: 2.3 * Math.exp(-step / 60) + 0.15, val_accuracy: 1 - 0.92 * Math.exp(-step / 50) });
}
view.finish();
console.log(\`updates sent: \${view.updates}\`);`,
    ),
    code("scaler", "viz.scaler(scaler)"),
    code(
      "heatmap",
      `viz.heatmap({
  rows: ["conv1.weight", "conv1.grad", "fc1.weight", "fc1.grad", "fc2.grad"],
  columns: ["float16", "bfloat16", "e4m3", "e5m2"],
  values: [[0, 0, 0.1, 0], [1.2, 0, 35, 4], [0, 0, 0.3, 0], [3.4, 0, 60, 8.5], [0.5, 0, 22, 1]],
  title: "Underflow per layer",
  label: "underflow %",
})`,
    ),
    code("bits", "viz.bits(0.1, [\"float32\", \"float16\", \"bfloat16\", \"e4m3\"])"),
  ],
};

// ---- helpers ----

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Only loopback and local files: a page that reaches for a CDN gets an error, not the network. */
async function offline(context: BrowserContext): Promise<void> {
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = url.protocol === "file:" || url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1";
    return local ? route.continue() : route.abort("internetdisconnected");
  });
}

interface PlotReport {
  plots: number;
  /** Per plot: trace marks drawn (line paths, bar paths, heatmap images) and the title. */
  marks: number[];
  titles: string[];
}

/** What plotly drew: for each .js-plotly-plot, the SVG paths and images its traces made. */
async function plotReport(page: Page): Promise<PlotReport> {
  return page.evaluate(() => {
    const plots = [...document.querySelectorAll(".js-plotly-plot")];
    return {
      plots: plots.length,
      marks: plots.map(
        (p) =>
          p.querySelectorAll(".scatterlayer .trace path.js-line, .scatterlayer .trace path.point, .barlayer .trace path, .hm image, .heatmaplayer image")
            .length,
      ),
      titles: plots.map((p) => p.querySelector(".gtitle")?.textContent ?? ""),
    };
  });
}

function expectAllDrawn(report: PlotReport): void {
  expect(report.plots).toBe(FIGURES);
  for (const [i, n] of report.marks.entries()) expect(n, `plot ${i} (${report.titles[i]}) drew no trace`).toBeGreaterThan(0);
}

async function screenshotPlots(page: Page, prefix: string): Promise<string[]> {
  const paths: string[] = [];
  const outputs = await page.$$(".js-plotly-plot");
  for (const [i, el] of outputs.entries()) {
    const path = join(ARTIFACTS, `${prefix}-${String(i + 1).padStart(2, "0")}.png`);
    // The whole output (progress bar, tables) where there is one.
    const box = (await el.evaluateHandle((e) => e.closest(".output_subarea, .jp-OutputArea-output") ?? e)).asElement() ?? el;
    await box.scrollIntoViewIfNeeded();
    await box.screenshot({ path });
    paths.push(path);
  }
  return paths;
}

// ---- the suite ----

// Where the browser is required, a missing tool is a failing test, not a skipped suite.
if (missing.length > 0 && REQUIRED) {
  describe("figures in a real browser: prerequisites", () => {
    it("has chromium, jupyter-notebook and nbconvert", () => {
      throw new Error(`browser tests need ${missing.join(", ")} (required because ${process.env.CI ? "CI" : "TSAMP_REQUIRE_BROWSER=1"} is set)`);
    });
  });
}

describe.skipIf(missing.length > 0)("figures in a real browser (classic Notebook + headless Chromium)", () => {
  let dir = "";
  let server: ChildProcess | null = null;
  let serverLog = "";
  let base = "";
  let token = "";
  let browser: Browser | null = null;
  let saved: { cells: Array<{ id: string; outputs: Array<Record<string, unknown>> }> } | null = null;
  let savedBytes = 0;
  let exported: string | null = null;
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    JUPYTER_PATH: join(dir, "share/jupyter"),
    JUPYTER_DATA_DIR: join(dir, "data"),
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: join(dir, "config"),
  });

  beforeAll(async () => {
    if (!existsSync(MAIN) || !existsSync(join(ROOT, "dist/lib/viz/index.js"))) {
      throw new Error("dist/ is missing or has no lib/viz: run `npm run build` before this test");
    }
    const built = statSync(join(ROOT, "dist/lib/viz/index.js")).mtimeMs;
    if (statSync(join(ROOT, "lib/viz/index.ts")).mtimeMs > built) console.warn("dist/lib/viz looks older than lib/viz: run `npm run build`");

    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`browser test screenshots: ${ARTIFACTS}`);
    dir = mkdtempSync(join(tmpdir(), "tsamp-browser-"));
    for (const d of ["notebooks", "data", "runtime", "config"]) mkdirSync(join(dir, d), { recursive: true });
    const install = spawnSync(process.execPath, [MAIN, "install", "--prefix", dir, "--name", KERNEL_NAME], { encoding: "utf8" });
    if (install.status !== 0) throw new Error(`kernelspec install failed: ${install.stderr}`);
    writeFileSync(join(dir, "notebooks/viz.ipynb"), JSON.stringify(NOTEBOOK, null, 1));

    const port = await freePort();
    token = randomBytes(16).toString("hex");
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      JUPYTER_NOTEBOOK!,
      [
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--port-retries=0",
        `--NotebookApp.token=${token}`,
        `--notebook-dir=${join(dir, "notebooks")}`,
      ],
      { env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    await waitFor("the notebook server", 60_000, async () => {
      if (server!.exitCode !== null) throw new Error(`jupyter-notebook exited:\n${serverLog}`);
      const r = await fetch(`${base}/api/status?token=${token}`);
      return r.ok;
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      // Shut the kernels and the server down through the API, then make sure.
      await fetch(`${base}/api/shutdown?token=${token}`, { method: "POST" }).catch(() => {});
      await waitFor("the server to exit", 10_000, async () => server!.exitCode !== null).catch(() => server!.kill("SIGKILL"));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("runs every cell; each figure draws and the live view ends in its final state", async () => {
    const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
    await offline(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${base}/notebooks/viz.ipynb?token=${token}`);
    await page.waitForFunction(
      () => {
        const nb = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean; info_reply?: unknown } } } }).Jupyter?.notebook;
        return Boolean(nb?.kernel?.is_connected() && nb.kernel.info_reply);
      },
      null,
      { timeout: 60_000 },
    );
    try {
      await runAndCheck(page, pageErrors);
    } catch (e) {
      // Leave evidence: the page as it was and the server's log.
      await page.screenshot({ path: join(ARTIFACTS, "notebook-failure.png"), fullPage: true }).catch(() => {});
      writeFileSync(join(ARTIFACTS, "jupyter-notebook.log"), serverLog);
      throw e;
    }
    await context.close();
  }, 300_000);

  async function runAndCheck(page: Page, pageErrors: string[]): Promise<void> {
    // Record every state the live view's output goes through, as the page receives them.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { tsampLiveStates: string[] }).tsampLiveStates = seen;
      new MutationObserver(() => {
        for (const v of document.querySelectorAll(".tsamp-live")) {
          const s = `${v.getAttribute("data-state")}:${v.getAttribute("data-steps")}`;
          const drawn = v.querySelector(".scatterlayer path.js-line") ? "+drawn" : "";
          if (seen[seen.length - 1] !== s && seen[seen.length - 1] !== s + "+drawn") seen.push(s + drawn);
          else if (drawn && seen[seen.length - 1] === s) seen[seen.length - 1] = s + drawn;
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells());
    // While it runs, the live view shows a partial state; a screenshot of it if we catch one (a
    // best effort: each update replaces the output, and a slow machine may redraw past the end).
    await page
      .waitForSelector('.tsamp-live[data-state="running"] .scatterlayer path.js-line', { timeout: 30_000, state: "attached" })
      .then(async (running) => {
        // The element is replaced by the next update any moment: scroll to it and shoot the viewport.
        await running.evaluate((e) => e.closest(".tsamp-live")?.scrollIntoView({ block: "start" }));
        await page.screenshot({ path: join(ARTIFACTS, "notebook-live-running.png") });
      })
      .catch(() => console.log("(no screenshot of the live view while running: it was redrawn or done first)"));
    // Done: every code cell has its execution count and the kernel is idle.
    await page.waitForFunction(
      () => {
        const nb = (window as unknown as { Jupyter: { notebook: { get_cells(): Array<{ cell_type: string; input_prompt_number?: unknown }> } } }).Jupyter.notebook;
        const counted = nb.get_cells().every((c) => c.cell_type !== "code" || typeof c.input_prompt_number === "number");
        return counted && document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
      },
      null,
      { timeout: 180_000, polling: 250 },
    );
    const errors = await page.evaluate(() =>
      [...document.querySelectorAll(".output_error, .output_stderr")].map((e) => e.textContent ?? ""),
    );
    expect(errors, "cells raised errors").toEqual([]);

    await page.waitForFunction((n) => document.querySelectorAll(".js-plotly-plot").length >= n, FIGURES, { timeout: 30_000 });
    await page.waitForTimeout(500);
    const report = await plotReport(page);
    expectAllDrawn(report);

    // The live view: one output, updated in place to its final state.
    const live = await page.evaluate(() => {
      const views = [...document.querySelectorAll(".tsamp-live")];
      const v = views[0];
      return {
        count: views.length,
        state: v?.getAttribute("data-state"),
        steps: v?.getAttribute("data-steps"),
        title: v?.querySelector(".gtitle")?.textContent ?? "",
        stdout: [...document.querySelectorAll(".output_stdout")].map((e) => e.textContent ?? "").join(""),
      };
    });
    expect(live.count).toBe(1);
    expect(live.state).toBe("done");
    expect(live.steps).toBe(String(STEPS));
    expect(live.title).toMatch(new RegExp(`done · ${STEPS}/${STEPS} steps`));
    // It was shown while running and replaced in place: partial states first, the final one last.
    const states = await page.evaluate(() => (window as unknown as { tsampLiveStates: string[] }).tsampLiveStates);
    console.log(`live view states seen by the page: ${states.join(" ")}`);
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states[0]).toMatch(/^running:\d+/);
    expect(states[states.length - 1]).toMatch(new RegExp(`^done:${STEPS}`));
    const updates = Number(/updates sent: (\d+)/.exec(live.stdout)?.[1]);
    expect(updates).toBeGreaterThan(0);
    expect(updates).toBeLessThan(STEPS / 4); // bounded: a few per second, not one per step
    expect(pageErrors).toEqual([]);

    const shots = await screenshotPlots(page, "notebook");
    await page.evaluate(() => document.querySelector("#site")?.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, "notebook-top.png") });
    console.log(`notebook screenshots:\n  ${shots.join("\n  ")}`);

    // Save, for the size check and the HTML export.
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { save_notebook(): Promise<unknown> } } }).Jupyter.notebook.save_notebook());
    const file = join(dir, "notebooks/viz.ipynb");
    await waitFor("the saved notebook", 20_000, async () => readFileSync(file, "utf8").includes("tsamp-live"));
    savedBytes = statSync(file).size;
    saved = JSON.parse(readFileSync(file, "utf8"));
  }

  it("saves plotly.js once, and the live view's final figure", () => {
    expect(saved, "the first test saved the notebook").not.toBeNull();
    const outputs = saved!.cells.flatMap((c) => (c.outputs ?? []).map((o) => ({ cell: c.id, o })));
    const htmlOf = (o: Record<string, unknown>) => {
      const h = (o.data as Record<string, unknown> | undefined)?.["text/html"];
      return Array.isArray(h) ? h.join("") : String(h ?? "");
    };
    const copies = outputs.map(({ o }) => htmlOf(o).split("sent once per notebook by tsamp").length - 1);
    expect(copies.reduce((a, b) => a + b, 0)).toBe(1);
    const live = outputs.filter(({ o }) => htmlOf(o).includes("tsamp-live"));
    expect(live).toHaveLength(1);
    expect(htmlOf(live[0]!.o)).toContain('data-state="done"');
    const fig = (live[0]!.o.data as Record<string, { layout: { title: { text: string } } }>)["application/vnd.plotly.v1+json"];
    expect(fig.layout.title.text).toContain(`done · ${STEPS}/${STEPS} steps`);

    // Sizes as nbformat writes them (indent 1): the output that carries plotly.js, and each
    // figure output (what one more figure adds to the .ipynb).
    const rich = outputs.filter(({ o }) => o.output_type === "display_data" || o.output_type === "execute_result");
    const sizes = rich.map(({ cell, o }) => ({
      cell,
      bytes: JSON.stringify(o, null, 1).length,
      plotly: htmlOf(o).includes("sent once per notebook"),
      figure: PLOTLY_MIME in ((o.data as Record<string, unknown>) ?? {}),
    }));
    const withPlotly = sizes.filter((s) => s.plotly);
    const figureOutputs = sizes.filter((s) => s.figure && !s.plotly);
    const first = withPlotly[0]!;
    const plotlyBytes = readFileSync(join(ROOT, "node_modules/plotly.js-dist-min/plotly.min.js")).length;
    console.log(
      `saved notebook: ${savedBytes} bytes (plotly.min.js is ${plotlyBytes}); output carrying plotly.js: ${first.cell} ${first.bytes} bytes; ` +
        `each further figure adds: ${figureOutputs.map((s) => `${s.cell} ${s.bytes}`).join(", ")} bytes`,
    );
    writeFileSync(join(ARTIFACTS, "sizes.json"), JSON.stringify({ savedBytes, plotlyBytes, outputs: sizes }, null, 1));
    expect(savedBytes).toBeLessThan(plotlyBytes + 1_000_000);
    for (const s of figureOutputs) expect(s.bytes).toBeLessThan(400_000);
  });

  it("exports to HTML with nbconvert, offline, and the figures draw there too (light and dark)", async () => {
    expect(saved, "the first test saved the notebook").not.toBeNull();
    const out = join(dir, "export");
    for (const theme of ["light", "dark"]) {
      const r = spawnSync(
        PYTHON,
        ["-m", "nbconvert", "--to", "html", `--HTMLExporter.theme=${theme}`, "--output-dir", out, "--output", `viz-${theme}`, join(dir, "notebooks/viz.ipynb")],
        { env: env(), encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, `nbconvert failed: ${r.stderr}`).toBe(0);
      exported = join(out, `viz-${theme}.html`);
      const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
      await offline(context);
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.goto(`file://${exported}`, { waitUntil: "load" });
      await page.waitForFunction((n) => document.querySelectorAll(".js-plotly-plot").length >= n, FIGURES, { timeout: 60_000 });
      await page.waitForTimeout(500);
      const report = await plotReport(page);
      expectAllDrawn(report);
      const title = await page.evaluate(() => document.querySelector(".tsamp-live .gtitle")?.textContent ?? "");
      expect(title).toMatch(new RegExp(`done · ${STEPS}/${STEPS} steps`));
      // Scripts that fail to reach a CDN (require.js, MathJax) are not ours; ours must not throw.
      expect(pageErrors.filter((e) => !/require|MathJax|define/i.test(e))).toEqual([]);
      const shots = await screenshotPlots(page, `export-${theme}`);
      console.log(`nbconvert (${theme}) screenshots:\n  ${shots.join("\n  ")}`);
      await context.close();
    }
  }, 300_000);
});
