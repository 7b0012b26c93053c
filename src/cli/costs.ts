/** `offer add|list|import-cre`, `tariff set`, `tempo import`, `costs`, `compare`, `power-advice`. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { addDays, addMonths, isLocalDate, parisToday, type LocalDate } from "../domain/time.js";
import { isUsagePointId } from "../domain/types.js";
import type { Store } from "../store/index.js";
import type { Device } from "../store/repositories/devices.js";
import { FileFormatError, lastRegulatedChange, parseCreCsv, parseTempoCsv } from "../tariffs/files.js";
import { OfferValidationError, parseOfferFile, type Offer } from "../tariffs/offers.js";
import { formatCompareTable, compareJson, costRowsCsv, costRowsJson } from "../tariffs/format.js";
import {
  PricingError,
  compareOffers,
  costsOn,
  costsOnTariff,
  loadMeterEnergy,
  powerAdviceOf,
} from "../tariffs/service.js";
import { fetchTempoColours, tempoProviderFromConfig, TempoProviderError } from "../tariffs/tempo/index.js";
import { withStore } from "./context.js";
import { CliError, EXIT_USAGE, printResult } from "./output.js";

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function usagePoint(prm: string): string {
  if (!isUsagePointId(prm))
    throw new CliError(`--usage-point must be a 14-digit usage point id, got "${prm}"`, EXIT_USAGE);
  return prm;
}

function dateOption(v: string, name: string): LocalDate {
  if (!isLocalDate(v)) throw new CliError(`${name} must be a date YYYY-MM-DD, got "${v}"`, EXIT_USAGE);
  return v;
}

function range(o: { from: string; to: string }): { from: LocalDate; to: LocalDate } {
  const from = dateOption(o.from, "--from");
  const to = dateOption(o.to, "--to");
  if (from >= to)
    throw new CliError(`--from (${from}) must be before --to (${to}); --to is exclusive`, EXIT_USAGE);
  return { from, to };
}

async function meter(store: Store, prm: string): Promise<Device> {
  const devices = await store.devices.findByMac(prm);
  if (devices.length === 0) throw new CliError(`no meter with usage point ${prm}`);
  return devices[0]!;
}

async function offerNamed(store: Store, name: string): Promise<Offer> {
  const o = await store.tariffs.findOffer(name);
  if (!o) {
    const names = (await store.tariffs.listOffers()).map((s) => s.offer.name);
    throw new CliError(
      `no offer named "${name}" (offers: ${names.length ? names.join(", ") : "none; add one with offer add --file"})`,
    );
  }
  return o.offer;
}

/** Pricing and file errors are the user's to fix: plain messages, exit 1. */
async function plain<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PricingError || e instanceof OfferValidationError || e instanceof FileFormatError)
      throw new CliError(e.message);
    throw e;
  }
}

export function registerCostsCommands(program: Command): void {
  const offer = program
    .command("offer")
    .description("supplier offers (Base, HP/HC, Tempo) with dated prices");
  offer
    .command("add")
    .description(
      "add or replace offers from a JSON or YAML file (one offer or a list); nothing is stored if one is wrong",
    )
    .requiredOption("--file <file>", "offer file")
    .action(async (o: { file: string }, cmd: Command) => {
      const offers = await plain(async () => parseOfferFile(await readText(o.file), basename(o.file)));
      await withStore(cmd, async ({ store }, g) => {
        await store.tariffs.saveOffers(offers);
        printResult(
          g,
          offers
            .map((x) => `offer "${x.name}" (${x.kind}) saved, ${x.prices.length} price row(s)`)
            .join("\n"),
          offers.map((x) => ({ name: x.name, kind: x.kind, prices: x.prices.length })),
        );
      });
    });
  offer
    .command("list")
    .description("the offers, with their price rows")
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async ({ store }, g) => {
        const offers = (await store.tariffs.listOffers()).map((s) => s.offer);
        const human = offers.length
          ? offers
              .map((x) => {
                const last = x.prices[x.prices.length - 1]!;
                const prices = Object.entries(last.pricesEurPerKwh)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(", ");
                return `${x.name}\t${x.kind}${x.offpeak ? ` ${x.offpeak}` : ""}\t${x.prices.length} row(s), latest from ${last.from}: ${last.subscriptionEurPerMonth} EUR/month, ${prices} EUR/kWh`;
              })
              .join("\n")
          : "no offer (add one with: offer add --file FILE)";
        printResult(g, human, offers);
      });
    });
  offer
    .command("import-cre <file>")
    .description(
      "regulated tariffs from the CRE open-data CSV (Base, HP/HC or Tempo): one dated offer per subscribed power",
    )
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const imported = await plain(async () => parseCreCsv(await readText(file), basename(file)));
      await withStore(cmd, async ({ store, now }, g) => {
        await store.tariffs.saveOffers(imported.offers);
        const change = lastRegulatedChange(parisToday(now()));
        const stale = imported.newest < change;
        if (stale)
          process.stderr.write(
            `linky-dataconnect: warning: the newest row of ${basename(file)} starts on ${imported.newest}, before the last regulated change (${change}): the file may be out of date\n`,
          );
        printResult(
          g,
          `${imported.offers.length} ${imported.kind} offer(s) saved (newest prices from ${imported.newest}): ${imported.offers.map((x) => x.name).join(", ")}`,
          { kind: imported.kind, newest: imported.newest, stale, offers: imported.offers.map((x) => x.name) },
        );
      });
    });

  program
    .command("tariff")
    .description("the offer a meter is on")
    .command("set")
    .description("put a meter on an offer from a day on (the costs default to it)")
    .requiredOption("--usage-point <prm>", "usage point")
    .requiredOption("--offer <name>", "offer name")
    .option("--from <date>", "first Paris day (YYYY-MM-DD); default: the first day ever")
    .action(async (o: { usagePoint: string; offer: string; from?: string }, cmd: Command) => {
      const prm = usagePoint(o.usagePoint);
      const from = o.from === undefined ? "1970-01-01" : dateOption(o.from, "--from");
      await withStore(cmd, async ({ store }, g) => {
        const device = await meter(store, prm);
        await offerNamed(store, o.offer);
        await store.tariffs.assign(device.id, from, o.offer);
        printResult(g, `${prm} is on "${o.offer}" from ${from}`, { usagePointId: prm, offer: o.offer, from });
      });
    });

  const tempo = program.command("tempo").description("Tempo day colours");
  tempo
    .command("fetch")
    .description(
      "colours from the configured provider (tempo.provider: rte or myelectricaldata); default: the last 7 days to tomorrow (published late morning)",
    )
    .option("--from <date>", "first Paris day, inclusive")
    .option("--to <date>", "last Paris day, exclusive")
    .action(async (o: { from?: string; to?: string }, cmd: Command) => {
      await withStore(cmd, async ({ store, config, now }, g) => {
        const t = config.tempo;
        if (t.provider === "none")
          throw new CliError(
            "no Tempo provider configured: set tempo.provider (TEMPO_PROVIDER) to rte or myelectricaldata",
            EXIT_USAGE,
          );
        const today = parisToday(now());
        const to = o.to !== undefined ? dateOption(o.to, "--to") : addDays(today, 2);
        const from = o.from !== undefined ? dateOption(o.from, "--from") : addDays(today, -7);
        const provider = tempoProviderFromConfig(t)!;
        let n: number;
        try {
          n = await fetchTempoColours(store, provider, from, to);
        } catch (e) {
          if (e instanceof TempoProviderError)
            throw new CliError(`${e.message}${e.transient ? " (try again later)" : ""}`);
          throw e;
        }
        printResult(g, `${n} Tempo day(s) from ${provider.name} (${from} to ${to}, exclusive)`, {
          provider: provider.name,
          days: n,
          from,
          to,
        });
      });
    });
  tempo
    .command("import <file>")
    .description(
      "colours from a CSV date;colour or date,colour (BLEU/BLANC/ROUGE or BLUE/WHITE/RED), header optional",
    )
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const days = await plain(async () => parseTempoCsv(await readText(file)));
      await withStore(cmd, async ({ store }, g) => {
        await store.tariffs.saveTempoDays(days.map((d) => ({ ...d, source: "import" })));
        printResult(
          g,
          `${days.length} Tempo day(s) imported (${days[0]!.day} to ${days[days.length - 1]!.day})`,
          {
            days: days.length,
          },
        );
      });
    });

  program
    .command("costs")
    .description("what the meter's energy cost, per Paris day and price period (--to exclusive)")
    .requiredOption("--usage-point <prm>", "usage point")
    .requiredOption("--from <date>", "first Paris day, inclusive")
    .requiredOption("--to <date>", "last Paris day, exclusive")
    .option("--offer <name>", "price on this offer (default: the meter's tariff)")
    .option("--format <f>", "csv or json", "csv")
    .action(
      async (
        o: { usagePoint: string; from: string; to: string; offer?: string; format: string },
        cmd: Command,
      ) => {
        const prm = usagePoint(o.usagePoint);
        const r = range(o);
        if (o.format !== "csv" && o.format !== "json")
          throw new CliError(`--format must be csv or json, got "${o.format}"`, EXIT_USAGE);
        await withStore(cmd, async ({ store }) => {
          const device = await meter(store, prm);
          const rows = await plain(async () => {
            const e = await loadMeterEnergy(store, device, r.from, r.to);
            return o.offer !== undefined
              ? costsOn(e, await offerNamed(store, o.offer))
              : costsOnTariff(store, e);
          });
          process.stdout.write(
            o.format === "csv" ? costRowsCsv(rows) : `${JSON.stringify(costRowsJson(rows))}\n`,
          );
        });
      },
    );

  program
    .command("compare")
    .description("every offer (or those named) priced on the meter's own curve, cheapest first")
    .requiredOption("--usage-point <prm>", "usage point")
    .option("--from <date>", "first Paris day, inclusive (default: 12 months before --to)")
    .option("--to <date>", "last Paris day, exclusive (default: today)")
    .option("--offers <names>", "comma-separated offer names")
    .option("--format <f>", "table or json", "table")
    .action(
      async (
        o: { usagePoint: string; from?: string; to?: string; offers?: string; format: string },
        cmd: Command,
      ) => {
        const prm = usagePoint(o.usagePoint);
        if (o.format !== "table" && o.format !== "json")
          throw new CliError(`--format must be table or json, got "${o.format}"`, EXIT_USAGE);
        await withStore(cmd, async ({ store, now }) => {
          const to = o.to ?? parisToday(now());
          const r = range({ from: o.from ?? addMonths(to, -12), to });
          const device = await meter(store, prm);
          const offers =
            o.offers !== undefined
              ? await Promise.all(o.offers.split(",").map((n) => offerNamed(store, n.trim())))
              : (await store.tariffs.listOffers()).map((s) => s.offer);
          if (offers.length === 0) throw new CliError("no offer to compare (add some with offer add --file)");
          const result = await plain(async () =>
            compareOffers(await loadMeterEnergy(store, device, r.from, r.to), offers),
          );
          process.stdout.write(
            o.format === "json" ? `${JSON.stringify(compareJson(result))}\n` : formatCompareTable(result),
          );
        });
      },
    );

  program
    .command("power-advice")
    .description(
      "the smallest standard subscribed power (kVA) the meter never exceeded with a 10% margin, over 12 months",
    )
    .requiredOption("--usage-point <prm>", "usage point")
    .option("--offer <name>", "offer whose per-kVA subscription gives the saving")
    .option("--to <date>", "last Paris day, exclusive (default: today)")
    .action(async (o: { usagePoint: string; offer?: string; to?: string }, cmd: Command) => {
      const prm = usagePoint(o.usagePoint);
      await withStore(cmd, async ({ store, now }, g) => {
        const to = o.to !== undefined ? dateOption(o.to, "--to") : parisToday(now());
        const from = addMonths(to, -12);
        const device = await meter(store, prm);
        const offerObj = o.offer !== undefined ? await offerNamed(store, o.offer) : undefined;
        const advice = await powerAdviceOf(store, device, from, to, offerObj, addDays(to, -1));
        const human = [
          `max power over ${advice.days} day(s): ${advice.maxPowerVa ?? "unknown"} VA; subscribed: ${advice.subscribedKva ?? "unknown"} kVA`,
          `recommended: ${advice.recommendedKva ?? "unknown"} kVA (max + 10% under it)`,
          `${advice.closeDays.length} day(s) above 90% of it${
            advice.closeDays.length
              ? `: ${advice.closeDays
                  .slice(0, 10)
                  .map((d) => `${d.date} ${d.maxPowerVa} VA`)
                  .join(", ")}`
              : ""
          }`,
          advice.savingPerYearEur !== null
            ? `saving on "${offerObj!.name}": ${advice.savingPerYearEur.toFixed(2)} EUR/year`
            : "saving: give --offer with subscription_eur_per_month_by_kva prices to know it",
        ].join("\n");
        printResult(g, human, advice);
      });
    });
}
