/** `sync`, `export`, `status`. */
import { once } from "node:events";
import type { Command } from "commander";
import { isLocalDate, isoUtc, parisDayStartMs } from "../domain/time.js";
import { isUsagePointId, DATASET_KEYS, type DatasetKey } from "../domain/types.js";
import { datasetKeyOf, exportChunks, type ExportFormat, type ExportRange } from "../export/format.js";
import { describeStorageError, type Store } from "../store/index.js";
import { gatewayStatus } from "../sources/status.js";
import type { SyncProgress } from "../sync/account-sync.js";
import {
  apisNotSubscribed,
  clearApiNotSubscribed,
  dataConnectAccounts,
  syncSettingsOf,
  type AccountRunResult,
} from "../sync/service.js";
import { syncAccountLeased } from "../scheduler/lease.js";
import type { Account } from "../store/repositories/accounts.js";
import { formatDuration, operatorStatus } from "../scheduler/status.js";
import { withApp, withStore } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE, printResult } from "./output.js";

/** An account that could not be synced (recorded as a failed run in the summary). */
function failedRun(account: Account, nowMs: number, e: unknown): AccountRunResult {
  const message = describeStorageError(e)?.message ?? (e instanceof Error ? e.message : String(e));
  return {
    account,
    outcome: {
      started_at_ms: nowMs,
      finished_at_ms: nowMs,
      outcome: "failed",
      message,
      calls: 0,
      retries: 0,
      datasets: {},
    },
  };
}

/** A progress bar on a terminal, plain lines otherwise (logs, CI). */
function progressReporter(): { onProgress: (p: SyncProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = "";
  return {
    onProgress(p) {
      // Account ids, not PRMs: these lines end up in logs (CI, systemd's journal).
      const label = `account ${p.accountId} ${p.dataset} ${p.window.from}..${p.window.to} (${p.purpose})`;
      if (tty) {
        const width = 24;
        const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : 0;
        const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} ${label}`;
        process.stderr.write(`\r${line.padEnd(last.length)}`);
        last = line;
      } else {
        process.stderr.write(`sync ${p.done + 1}/${p.total} ${label}\n`);
      }
    },
    end() {
      if (tty && last) process.stderr.write("\n");
    },
  };
}

export function registerDataCommands(program: Command): void {
  program
    .command("sync")
    .description("synchronise now, once, and exit when done; prints a summary")
    .option("--usage-point <prm>", "one usage point")
    .option("--all", "every DataConnect account")
    .option(
      "--max-wait <seconds>",
      "longest wait for an Enedis quota slot; a longer pause stops the run, saying until when and why",
      "60",
    )
    .action(async (o: { usagePoint?: string; all?: boolean; maxWait: string }, cmd: Command) => {
      const maxWaitS = Number(o.maxWait);
      if (!Number.isFinite(maxWaitS) || maxWaitS < 0)
        throw new CliError(`--max-wait must be a number of seconds, got "${o.maxWait}"`, EXIT_USAGE);
      if (!o.usagePoint === !o.all)
        throw new CliError("sync needs --usage-point PRM or --all (one of them)", EXIT_USAGE);
      if (o.usagePoint && !isUsagePointId(o.usagePoint)) {
        throw new CliError(
          `--usage-point must be a 14-digit usage point id, got "${o.usagePoint}"`,
          EXIT_USAGE,
        );
      }
      await withApp(cmd, async (ctx, g) => {
        // No silent long waits: a run that would sleep past this for a quota slot stops and says why.
        ctx.limiter.maxWaitMs = maxWaitS * 1000;
        const base = syncSettingsOf(ctx.config);
        const settings = {
          ...base,
          maxQuotaWaitMs: Math.min(base.maxQuotaWaitMs ?? Number.POSITIVE_INFINITY, maxWaitS * 1000),
        };
        const accounts = await dataConnectAccounts(ctx.store, o.usagePoint);
        if (accounts.length === 0) {
          throw new CliError(
            o.usagePoint
              ? `no account for usage point ${o.usagePoint} (add one with: account add --user NAME --usage-point ${o.usagePoint})`
              : "no DataConnect account to sync",
          );
        }
        const progress = progressReporter();
        const deps = {
          store: ctx.store,
          client: ctx.client,
          sources: ctx.sources,
          now: ctx.now,
          log: ctx.log,
          onProgress: progress.onProgress,
        };
        const results: AccountRunResult[] = [];
        for (const account of accounts) {
          // Under the account's lease: `serve` or a `worker` may be syncing it; wait for it a while.
          const r = await syncAccountLeased(deps, account.id, settings, {
            label: `cli sync (pid ${process.pid})`,
            waitMs: 60_000,
            log: ctx.log,
          }).catch((e: unknown) => ({ ran: true as const, value: failedRun(account, ctx.now(), e) }));
          if (r.ran && r.value) results.push(r.value);
          else if (!r.ran)
            results.push(
              failedRun(
                account,
                ctx.now(),
                `being synced by ${r.holder ?? "another process"} for over a minute; try again later`,
              ),
            );
        }
        progress.end();
        const lines = results.map(({ account, outcome }) => {
          const ds = Object.entries(outcome.datasets)
            .map(
              ([k, d]) =>
                `  ${k}: ${d.outcome}${d.points ? `, ${d.points} points` : ""}${d.retries ? `, ${d.retries} retries` : ""}${d.message ? ` (${d.message})` : ""}`,
            )
            .join("\n");
          return `${account.usagePointId} (account ${account.id}): ${outcome.outcome}, ${outcome.calls} calls, ${outcome.retries} retries${outcome.message && !ds ? ` - ${outcome.message}` : ""}\n${ds}`;
        });
        printResult(
          g,
          lines.join("\n"),
          results.map((r) => ({
            accountId: r.account.id,
            usagePointId: r.account.usagePointId,
            ...r.outcome,
          })),
        );
        const bad = results.filter((r) => r.outcome.outcome === "failed" || r.outcome.outcome === "expired");
        if (bad.length > 0) {
          process.stderr.write(
            `linky-dataconnect: ${bad.length} account(s) not synced: ${bad.map((b) => `account ${b.account.id} ${b.outcome.outcome}${b.outcome.message ? ` (${b.outcome.message})` : ""}`).join("; ")}\n`,
          );
          process.exitCode = EXIT_FAILURE;
        }
      });
    });

  program
    .command("export")
    .description("stored data to stdout, one row per measure (--from inclusive, --to exclusive, Paris days)")
    .requiredOption("--usage-point <prm>", "usage point")
    .requiredOption("--dataset <d>", `dataset (${DATASET_KEYS.join(", ")})`)
    .requiredOption("--from <date>", "first Paris day, inclusive (YYYY-MM-DD)")
    .requiredOption("--to <date>", "last Paris day, exclusive (YYYY-MM-DD)")
    .option("--format <f>", "csv or json", "csv")
    .action(
      async (
        o: { usagePoint: string; dataset: string; from: string; to: string; format: string },
        cmd: Command,
      ) => {
        if (!isUsagePointId(o.usagePoint))
          throw new CliError(
            `--usage-point must be a 14-digit usage point id, got "${o.usagePoint}"`,
            EXIT_USAGE,
          );
        const dataset = toDatasetKey(o.dataset);
        if (!isLocalDate(o.from))
          throw new CliError(`--from must be a date YYYY-MM-DD, got "${o.from}"`, EXIT_USAGE);
        if (!isLocalDate(o.to))
          throw new CliError(`--to must be a date YYYY-MM-DD, got "${o.to}"`, EXIT_USAGE);
        if (o.from >= o.to)
          throw new CliError(
            `--from (${o.from}) must be before --to (${o.to}); --to is exclusive`,
            EXIT_USAGE,
          );
        if (o.format !== "csv" && o.format !== "json")
          throw new CliError(`--format must be csv or json, got "${o.format}"`, EXIT_USAGE);
        await withStore(cmd, async ({ store }) => {
          const devices = await store.devices.findByMac(o.usagePoint);
          if (devices.length === 0) throw new CliError(`no meter with usage point ${o.usagePoint}`);
          await writeExport(store, {
            deviceId: devices[0]!.id,
            dataset,
            fromMs: parisDayStartMs(o.from),
            toMs: parisDayStartMs(o.to),
            format: o.format as ExportFormat,
          });
        });
      },
    );

  program
    .command("status")
    .description(
      "accounts by state (fresh, behind, expired, failing), quota use per API, APIs not subscribed, catch-up estimate",
    )
    .option(
      "--recheck-apis",
      "forget the APIs Enedis refused as not subscribed (after subscribing them on DataHub): syncs call them again at once",
    )
    .option(
      "--clear-gateway-ban <gateway>",
      "the gateway lifted its ban of this address: syncs call it again",
    )
    .action(async (o: { recheckApis?: boolean; clearGatewayBan?: string }, cmd: Command) => {
      await withStore(cmd, async ({ store, now, config }, g) => {
        const rechecked = o.recheckApis === true ? await clearApiNotSubscribed(store) : null;
        if (o.clearGatewayBan !== undefined) await store.gateways.clearBlock(o.clearGatewayBan);
        const gatewayUse = await gatewayStatus(store.gateways, now());
        const st = await operatorStatus(store, config, now());
        const refusedApis = await apisNotSubscribed(store);
        const human = [
          ...(rechecked !== null
            ? [`${rechecked} API refusal(s) forgotten: the next syncs call them again`]
            : []),
          `${st.accounts} account(s): ${Object.entries(st.states)
            .map(([k, v]) => `${v} ${k}`)
            .join(", ")}`,
          `quota per API: ${st.quota.perSecond}/s, ${st.quota.perHour}/h; plan: every ${st.budget.strideDays} day(s), ` +
            `${st.budget.callsPerMeterDay.toFixed(2)} calls per meter-day${st.budget.sustainable ? "" : " (the quota cannot keep every meter within 7 days)"}`,
          ...st.quotaUse.map(
            (q) =>
              `  ${q.api}: ${q.lastHour} calls in the last hour${q.pausedUntilMs ? `, paused until ${isoUtc(q.pausedUntilMs)}${q.pauseReason ? ` (${q.pauseReason})` : ""}` : ""}${q.refused ? `, ${q.refused} refused (429)` : ""}`,
          ),
          ...refusedApis.map(
            (a) =>
              `API NOT SUBSCRIBED: ${a.api} (refused since ${isoUtc(a.refusedAtMs)}, ${a.refusals} time(s): ${a.message}); ` +
              `syncs wait, next check ${isoUtc(a.nextProbeMs)}; subscribe it on DataHub, then run \`status --recheck-apis\``,
          ),
          ...gatewayUse
            .filter((gw) => gw.accounts > 0 || gw.block !== null)
            .map(
              (gw) =>
                `gateway ${gw.gateway}: ${gw.accounts} account(s); ${gw.rules.map((r) => `${r.used}/${r.limit} (${r.label})`).join(", ") || "no address budget"}` +
                (gw.block
                  ? gw.block.kind === "banned"
                    ? `; BANNED since ${isoUtc(gw.block.sinceMs)} (${gw.block.message}): no call is made; \`status --clear-gateway-ban ${gw.gateway}\` once lifted`
                    : `; throttled until ${isoUtc(gw.block.untilMs ?? gw.block.sinceMs)}`
                  : ""),
            ),
          `backlog: ${st.backlogCalls} calls; catch-up: ${formatDuration(st.catchUpMs)}`,
          ...st.details.map(
            (r) =>
              `  ${r.usagePointId} (account ${r.accountId}): ${r.state}${r.lagDays !== null ? `, ${r.lagDays} day(s) behind` : ""}${r.lastSuccessMs ? `, last success ${isoUtc(r.lastSuccessMs)}` : ""}${r.lastError ? `, last error: ${r.lastError}` : ""}`,
          ),
        ].join("\n");
        printResult(g, human, {
          ...st,
          apisNotSubscribed: refusedApis,
          gateways: gatewayUse,
          ...(rechecked !== null ? { rechecked } : {}),
        });
      });
    });
}

/** Contract names, plus the Data Connect 2026 ressource names. */
function toDatasetKey(name: string): DatasetKey {
  const key = datasetKeyOf(name);
  if (key) return key;
  throw new CliError(`unknown dataset "${name}" (one of ${DATASET_KEYS.join(", ")})`, EXIT_USAGE);
}

/** The export rows of readings (kept for callers of the CLI module; one implementation in src/export). */
export { exportRows } from "../export/format.js";

/** Writes the export to stdout as it is read, waiting for the pipe when it is full. */
async function writeExport(store: Store, range: ExportRange): Promise<void> {
  for await (const chunk of exportChunks(store, range)) {
    if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
  }
}
