/** `import FILE… [--usage-point PRM]` (Enedis export files) and `import-seed --from postgres://…`. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { isUsagePointId } from "../domain/types.js";
import type { FileImportReport, ImportProgress } from "../import/file-import.js";
import { SeedMigration, type SeedReport } from "../import/seed.js";
import { importFile } from "../import/service.js";
import { ImportRefusal } from "../import/text.js";
import { withStore } from "./context.js";
import { withoutPrms } from "../domain/redact.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, log, printResult } from "./output.js";

/** A bar on a terminal, a line per tenth otherwise (logs, CI); never a PRM. */
export function progressBar(
  label: string,
  opts: { everyUpdate?: boolean } = {},
): { update: (p: ImportProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  let drawn = false;
  return {
    update({ done, total }) {
      const frac = total > 0 ? done / total : 1;
      if (tty) {
        const width = 30;
        const filled = Math.round(frac * width);
        process.stderr.write(
          `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`,
        );
        drawn = true;
      } else {
        const tenth = Math.floor(frac * 10);
        if (tenth !== lastTenth || opts.everyUpdate) {
          lastTenth = tenth;
          process.stderr.write(`${label}: ${done}/${total} (${Math.round(frac * 100)}%)\n`);
        }
      }
    },
    end() {
      if (drawn) process.stderr.write("\n");
    },
  };
}

function describe(name: string, r: FileImportReport): string {
  const c = r.conflicts.count
    ? `; ${r.conflicts.count} value(s) differ from stored data, kept as stored (first days ${r.conflicts.firstDays.join(", ")})`
    : "";
  const days = `${r.days.complete} day(s) complete, ${r.days.partial} partial, ${r.days.missing} missing recorded`;
  return `${name}: ${r.format} ${r.dataset}, ${r.readings} reading(s): ${r.stored} stored, ${r.unchanged} already there, ${r.missing} missing in the file; ${days}${c}${r.stored === 0 && r.days.complete + r.days.partial + r.days.missing === 0 ? " (nothing changed)" : ""}`;
}

export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description(
      "import Enedis customer-site exports (Heure, Jour, Pmax, Conso Downloader, R63, weekly XLSX), format detected from the content; the account must exist",
    )
    .argument("<files...>", "files to import")
    .option("--usage-point <prm>", "usage point (default: the one the file names)")
    .action(async (files: string[], o: { usagePoint?: string }, cmd: Command) => {
      if (o.usagePoint !== undefined && !isUsagePointId(o.usagePoint))
        throw new CliError(
          `--usage-point must be a 14-digit usage point id, got "${o.usagePoint}"`,
          EXIT_USAGE,
        );
      await withStore(cmd, async ({ store, now }, g) => {
        const results: Array<{ file: string; ok: boolean; message: string; report?: FileImportReport[] }> =
          [];
        for (const path of files) {
          const name = basename(path);
          try {
            const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
              throw new ImportRefusal(null, `cannot read the file (${e.code ?? e.message})`);
            });
            const bars = new Map<number, ReturnType<typeof progressBar>>();
            const reports = await importFile(store, buf, name, {
              ...(o.usagePoint && { usagePointId: o.usagePoint }),
              nowMs: now(),
              onProgress(deviceId, p) {
                let bar = bars.get(deviceId);
                if (!bar) {
                  bar = progressBar(`import ${withoutPrms(name)} (device ${deviceId})`);
                  bars.set(deviceId, bar);
                }
                bar.update(p);
              },
            });
            for (const bar of bars.values()) bar.end();
            results.push({
              file: name,
              ok: true,
              message: reports.map((r) => describe(name, r)).join("\n"),
              report: reports,
            });
          } catch (e) {
            if (!(e instanceof ImportRefusal)) throw e;
            results.push({
              file: name,
              ok: false,
              message: `${name}: refused, nothing stored: ${e.message}`,
            });
          }
        }
        printResult(
          g,
          results.map((r) => r.message).join("\n"),
          results.map((r) => ({ file: r.file, ok: r.ok, message: r.message, reports: r.report ?? [] })),
        );
        const refused = results.filter((r) => !r.ok);
        if (refused.length > 0) {
          for (const r of refused) log(`linky-dataconnect: ${r.message}`);
          process.exitCode = EXIT_FAILURE;
        }
      });
    });
}

function seedSummary(r: SeedReport): string {
  const nothing =
    r.chunks === 0 && r.users.created === 0 && r.accounts.created === 0 && r.senders.created === 0;
  return [
    nothing ? "nothing to do: everything was migrated already (nothing changed)" : "migration done",
    `users: ${r.users.created} created, ${r.users.existing} already there (${r.users.admins} admin(s))`,
    `senders: ${r.senders.created} created, ${r.senders.existing} already there; skipped: ${r.senders.skipped.join(", ") || "none"}`,
    `accounts: ${r.accounts.created} created, ${r.accounts.existing} already there, ${r.accounts.skipped} without a usable PRM`,
    `meters: ${r.meters.migrated} migrated; skipped devices: ${r.meters.skipped.map((s) => `#${s.seedDeviceId} ${s.reason}`).join(", ") || "none"}`,
    `measures stored by this run: load curve ${r.measures.consumption_load_curve}, daily ${r.measures.daily_consumption}, max power ${r.measures.daily_consumption_max_power}`,
    `load-curve days: ${r.days.complete} complete, ${r.days.partial} partial, ${r.days.missing} missing`,
    `duplicates kept once: ${r.duplicates}; conflicting duplicates: ${r.conflicts.count}${r.conflicts.firstDays.length ? ` (first days ${r.conflicts.firstDays.join(", ")})` : ""}; labels off the 30-minute grid rejected: ${r.rejectedLabels}`,
    `baseinst (Wh) checked against W: ${r.baseinst.checked}, ${r.baseinst.mismatched} differ, ${r.baseinst.derived} W derived from it; months checked: ${r.months.checked}, ${r.months.mismatched} differ`,
  ].join("\n");
}

export function registerImportSeedCommand(program: Command): void {
  program
    .command("import-seed")
    .description(
      "migrate the original application's database (schema smarthome: users, senders, accounts with their watermarks, Linky devices, measures); resumable, and running it again changes nothing",
    )
    .requiredOption("--from <url>", "postgres://… of the original database")
    .option("--chunk-days <n>", "days of load curve per transaction", "31")
    .action(async (o: { from: string; chunkDays: string }, cmd: Command) => {
      if (!/^postgres(ql)?:\/\//.test(o.from))
        throw new CliError("--from must be a postgres://… URL of the original database", EXIT_USAGE);
      const chunkDays = Number(o.chunkDays);
      if (!Number.isInteger(chunkDays) || chunkDays < 1 || chunkDays > 366)
        throw new CliError("--chunk-days must be a whole number from 1 to 366", EXIT_USAGE);
      await withStore(cmd, async ({ store, now }, g) => {
        const bars = new Map<string, ReturnType<typeof progressBar>>();
        const report = await SeedMigration.run(store, o.from, {
          nowMs: now(),
          chunkDays,
          onProgress(p) {
            if (p.stage === "done") return;
            let bar = bars.get(p.stage);
            if (!bar) {
              for (const b of bars.values()) b.end();
              // Measures: a line per committed chunk off a terminal (a log shows where a run got to).
              bar = progressBar(`import-seed ${p.stage}`, { everyUpdate: p.stage === "measures" });
              bars.set(p.stage, bar);
            }
            bar.update(p);
          },
        }).catch((e: unknown) => {
          const code = (e as { code?: string }).code;
          if (code === "ECONNREFUSED" || code === "3D000" || code === "28P01" || code === "42P01")
            throw new CliError(`cannot read the original database: ${(e as Error).message}`);
          throw e;
        });
        for (const b of bars.values()) b.end();
        printResult(g, seedSummary(report), report);
      });
    });
}
