/**
 * Runs every `bench/*.bench.ts` (or those whose file name contains one of the arguments) and writes
 * `bench/RESULTS.md`. Usage: `npm run bench [-- name…]`, i.e. `node --import tsx bench/run.ts [name…]`.
 * A partial run replaces the results of the files it ran and keeps the others' (each with its own date
 * and machine), read back from a machine-readable block at the end of RESULTS.md.
 *
 * A bench file exports `run(): Promise<BenchResult[]>`. Each result is a median of several runs; when it
 * has a baseline measured in the same process run, the ratio to it is what matters (machines differ,
 * ratios much less).
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Measured {
  name: string;
  /** Median of `runs`. */
  median: number;
  runs: number[];
}

export interface BenchResult extends Measured {
  /** Unit of `median`, higher is better (e.g. `rows/s`). */
  unit: string;
  baseline?: Measured;
  /**
   * Median over runs of run / baseline, both measured in the same run (see `pairedRatio`): less sensitive
   * than a ratio of medians to other work starting or stopping on the machine.
   */
  ratio?: number;
  /** The ratio the project aims for, when there is one. */
  target?: number;
  note?: string;
}

export interface BenchModule {
  run(): Promise<BenchResult[]>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function measured(name: string, runs: number[]): Measured {
  return { name, median: median(runs), runs };
}

/** Median of runs[i] / baseline[i]: each run compared with the baseline measured in the same run. */
export function pairedRatio(runs: readonly number[], baseline: readonly number[]): number {
  if (runs.length !== baseline.length || runs.length === 0) throw new Error("paired runs needed");
  return median(runs.map((r, i) => r / (baseline[i] as number)));
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function machineNote(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** A result as RESULTS.md keeps it: which file measured it, when and where. */
export interface StoredResult extends BenchResult {
  file: string;
  date: string;
  machine: string;
}

/** What RESULTS.md keeps for the next partial run. */
interface StoredData {
  results: StoredResult[];
  /**
   * Table rows, notes and run lines of a RESULTS.md written before results were kept by file: carried
   * over verbatim by partial runs, dropped by the next full run.
   */
  legacy?: { rows: string[]; notes: string[]; runs: string[] };
}

const DATA_START = "<!-- bench-data (read by bench/run.ts: keeps the results of files not run this time)";
const DATA_END = "-->";

/** What the previous RESULTS.md holds, or nothing. */
export function parseStored(md: string): StoredData {
  const start = md.indexOf(DATA_START);
  if (start >= 0) {
    const end = md.indexOf(DATA_END, start);
    return JSON.parse(md.slice(start + DATA_START.length, end)) as StoredData;
  }
  // An older file: its rows belong to no known file; keep them verbatim.
  const lines = md.split("\n");
  const section = (title: string) => {
    const i = lines.indexOf(title);
    if (i < 0) return [];
    const out: string[] = [];
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith("- "); j++) out.push(lines[j]!);
    return out;
  };
  const rows = lines.filter(
    (l) => l.startsWith("| ") && !l.startsWith("| benchmark |") && !l.startsWith("| ---"),
  );
  return rows.length === 0
    ? { results: [] }
    : { results: [], legacy: { rows, notes: section("## Notes"), runs: section("## Every run") } };
}

/** The results to write: this run's, then the kept ones of the files it did not run. */
export function mergeResults(
  previous: StoredData,
  fresh: StoredResult[],
  ranFiles: string[],
  fullRun: boolean,
): StoredData {
  const kept = previous.results.filter((r) => !ranFiles.includes(r.file));
  const results = [...kept, ...fresh].sort((a, b) => a.file.localeCompare(b.file));
  return fullRun || !previous.legacy ? { results } : { results, legacy: previous.legacy };
}

function table(results: StoredResult[], legacy: string[]): string {
  const lines = [
    "| benchmark | median | baseline | baseline median | ratio | target | runs | date | machine |",
    "| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- |",
  ];
  for (const r of results) {
    const ratio = r.ratio === undefined ? "" : `${(r.ratio * 100).toFixed(1)}%`;
    const verdict =
      r.ratio !== undefined && r.target !== undefined ? (r.ratio >= r.target ? " ✅" : " ❌") : "";
    lines.push(
      [
        "",
        ` ${r.name} `,
        ` ${fmt(r.median)} ${r.unit} `,
        ` ${r.baseline?.name ?? ""} `,
        ` ${r.baseline ? `${fmt(r.baseline.median)} ${r.unit}` : ""} `,
        ` ${ratio}${verdict} `,
        ` ${r.target === undefined ? "" : `≥ ${r.target * 100}%`} `,
        ` ${r.runs.length}${r.baseline ? ` / ${r.baseline.runs.length}` : ""} `,
        ` ${r.date} `,
        ` ${r.machine} `,
        "",
      ].join("|"),
    );
  }
  return [...lines, ...legacy].join("\n");
}

/** RESULTS.md for `data`, under a first line saying how it was written. */
function render(data: StoredData, written: string, load: string): string {
  const results = data.results;
  const notes = [
    ...results.filter((r) => r.note).map((r) => `- **${r.name}**: ${r.note}`),
    ...(data.legacy?.notes ?? []),
  ];
  const runs = [
    ...results.map(
      (r) =>
        `- ${r.name}: ${r.runs.map(fmt).join(", ")}${r.baseline ? `; baseline: ${r.baseline.runs.map(fmt).join(", ")}` : ""}`,
    ),
    ...(data.legacy?.runs ?? []),
  ];
  return [
    "# Benchmark results",
    "",
    written,
    "Medians of several runs. The ratio compares with a baseline measured in the same run on the same machine:",
    "it is the median, over runs, of each run divided by the baseline run measured just before it.",
    "",
    table(results, data.legacy?.rows ?? []),
    "",
    ...(notes.length ? ["## Notes", "", ...notes, ""] : []),
    "## Every run",
    "",
    ...runs,
    "",
    load,
    "",
    `Files: ${[...new Set(results.map((r) => basename(r.file)))].join(", ")}${data.legacy ? " (and rows of an earlier run kept as they were)" : ""}.`,
    "",
    DATA_START,
    JSON.stringify(data),
    DATA_END,
    "",
  ].join("\n");
}

/**
 * `bench/run.ts --merge A.md B.md…`: RESULTS.md from several versions of it (branches benchmarked apart):
 * per bench file, the newest version's rows (by their date, later files winning a tie).
 */
async function mergeFiles(paths: string[]): Promise<void> {
  const byFile = new Map<string, StoredResult[]>();
  for (const p of paths) {
    const stored = parseStored(await readFile(p, "utf8"));
    const files = new Map<string, StoredResult[]>();
    for (const r of stored.results) files.set(r.file, [...(files.get(r.file) ?? []), r]);
    for (const [file, rows] of files) {
      const had = byFile.get(file);
      if (!had || (had[0]?.date ?? "") <= (rows[0]?.date ?? "")) byFile.set(file, rows);
    }
  }
  const results = [...byFile.values()].flat().sort((a, b) => a.file.localeCompare(b.file));
  const here = dirname(fileURLToPath(import.meta.url));
  const md = render(
    { results },
    `Merged by \`bench/run.ts --merge\` on ${new Date().toISOString()} from results measured apart, each row with its date.`,
    "Each bench file's rows come from one run; the load average of that run is in its notes where the bench records it.",
  );
  await writeFile(join(here, "RESULTS.md"), md);
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const filters = process.argv.slice(2);
  const files = (await readdir(here))
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filters.join(", ")}`);
  const started = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineNote();
  const fresh: StoredResult[] = [];
  for (const file of files) {
    console.error(`bench: ${file}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
    for (const r of await mod.run()) {
      fresh.push({ ...r, file, date, machine });
      const ratio = r.ratio === undefined ? "" : `, ${(r.ratio * 100).toFixed(1)}% of ${r.baseline?.name}`;
      console.error(`  ${r.name}: ${fmt(r.median)} ${r.unit}${ratio}`);
    }
  }
  const resultsPath = join(here, "RESULTS.md");
  const previous = parseStored(await readFile(resultsPath, "utf8").catch(() => ""));
  const data = mergeResults(previous, fresh, files, filters.length === 0);
  const load = `Load average (1 min) at start ${loadBefore.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}, on ${cpus().length} cores: other work on the machine shows up as spread between runs.`;
  const md = render(
    data,
    `Written by \`npm run bench\` (\`bench/run.ts\`) on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s${filters.length ? ` (this run: ${files.join(", ")}; the other rows are kept from earlier runs, each with its date)` : ""}.`,
    load,
  );
  await writeFile(resultsPath, md);
  console.error(`bench: wrote ${resultsPath}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  (args[0] === "--merge" ? mergeFiles(args.slice(1)) : main()).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
