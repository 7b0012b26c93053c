/**
 * Costs: the API (`/api/v1/offers`, `/api/v1/usage-points/:prm/costs|compare`), the meter's page
 * "Coûts et comparaison des offres" (`/devices/:id/costs`, its owner only: anyone else gets a 404) with
 * the form that puts the meter on an offer, and the administrators' offer editor (`/admin/offers`).
 * Forms carry a CSRF token and answer with a redirect (POST-redirect-GET).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  addDays,
  addMonths,
  daysBetween,
  isLocalDate,
  parisToday,
  type LocalDate,
} from "../../domain/time.js";
import { isUsagePointId } from "../../domain/types.js";
import type { Device, User } from "../../store/index.js";
import { stringify as toYaml } from "yaml";
import { bucketCosts, COST_RESOLUTIONS, type CostResolution } from "../../tariffs/aggregate.js";
import { bucketJson, compareJson } from "../../tariffs/format.js";
import { OfferValidationError, offerToFile, parseOfferFile, type Offer } from "../../tariffs/offers.js";
import { OffPeakParseError, formatWindows, parseOffPeak } from "../../tariffs/offpeak.js";
import { totalsOf, type CostRow } from "../../tariffs/pricing.js";
import {
  PricingError,
  compareOffers,
  costsOn,
  costsOnTariff,
  loadMeterEnergy,
  powerAdviceOf,
  wholeHourCuts,
  type ComparisonResult,
} from "../../tariffs/service.js";
import type { WebDeps } from "../app.js";
import { ApiError, makeApiGuard } from "../api/tokens.js";
import { field, HttpError, idParam, notFound } from "../http.js";
import { accountOf } from "../meter/views.js";

const API = "/api/v1";
const MAX_DAYS = 12 * 366;
const r6 = (n: number) => Math.round(n * 1e6) / 1e6;
const badRequest = (message: string) => new ApiError(400, "bad_request", message);

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const v = field(request.query, name);
  return v === "" ? undefined : v;
}

function dayQuery(request: FastifyRequest, name: string): LocalDate | undefined {
  const v = queryValue(request, name);
  if (v === undefined) return undefined;
  if (!isLocalDate(v) || v < "1990-01-01" || v > "2199-12-31")
    throw badRequest(`query parameter "${name}" must be a date YYYY-MM-DD, got "${v.slice(0, 40)}"`);
  return v;
}

function checkRange(from: LocalDate, to: LocalDate): void {
  if (from >= to) throw badRequest(`"from" (${from}) must be before "to" (${to}); "to" is exclusive`);
  const days = daysBetween(from, to);
  if (days > MAX_DAYS) throw badRequest(`the range is ${days} days long; at most ${MAX_DAYS} days here`);
}

export function registerCostRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { store, now } = deps.ctx;
  const { render, guards } = deps;
  const api = { preHandler: makeApiGuard(store, now) };

  async function ownedApi(request: FastifyRequest): Promise<Device> {
    const prm = (request.params as { prm?: string }).prm ?? "";
    const device = isUsagePointId(prm)
      ? await store.devices.findByUserAndMac((request.user as User).id, prm)
      : undefined;
    if (!device) throw new ApiError(404, "not_found", `no usage point ${prm.slice(0, 20)} among yours`);
    const account = await accountOf(store, device);
    if (account && (await store.consents.isSuspended(account.id)))
      throw new ApiError(403, "suspended", "access to this usage point is suspended pending review");
    return device;
  }

  async function offerOrFail(name: string, fail: (m: string) => Error): Promise<Offer> {
    const o = await store.tariffs.findOffer(name);
    if (!o) throw fail(`no offer named "${name.slice(0, 80)}"`);
    return o.offer;
  }

  async function costRows(
    device: Device,
    from: LocalDate,
    to: LocalDate,
    offerName?: string,
  ): Promise<CostRow[]> {
    const offer = offerName !== undefined ? await offerOrFail(offerName, badRequest) : undefined;
    // Per-day figures are the same either way; the day-part read only saves time (a year: ~1,100 rows).
    const cutHours = await wholeHourCuts(store, device, offer ? [offer] : await tariffOffers(device));
    const e = await loadMeterEnergy(store, device, from, to, { cutHours });
    return offer ? costsOn(e, offer) : costsOnTariff(store, e);
  }

  /** The offers the meter's tariff uses (for `canPriceHourly`). */
  async function tariffOffers(device: Device): Promise<Offer[]> {
    const out: Offer[] = [];
    for (const a of await store.tariffs.assignments(device.id)) {
      const o = await store.tariffs.findOffer(a.offerName);
      if (o) out.push(o.offer);
    }
    return out;
  }

  async function comparison(
    device: Device,
    from: LocalDate,
    to: LocalDate,
    names?: string[],
  ): Promise<ComparisonResult> {
    const offers = names
      ? await Promise.all(names.map((n) => offerOrFail(n, badRequest)))
      : (await store.tariffs.listOffers()).map((s) => s.offer);
    const cutHours = await wholeHourCuts(store, device, offers);
    return compareOffers(await loadMeterEnergy(store, device, from, to, { cutHours }), offers);
  }

  const pricingToBadRequest = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof PricingError) throw badRequest(e.message);
      throw e;
    }
  };

  // --- API

  app.get(`${API}/offers`, api, async () => ({
    offers: (await store.tariffs.listOffers()).map((s) => offerToFile(s.offer)),
  }));

  app.get(`${API}/usage-points/:prm/costs`, api, async (request) => {
    const device = await ownedApi(request);
    const from = dayQuery(request, "from");
    const to = dayQuery(request, "to");
    if (from === undefined || to === undefined)
      throw badRequest('query parameters "from" and "to" are required (Paris days, YYYY-MM-DD)');
    checkRange(from, to);
    const resolution = (queryValue(request, "resolution") ?? "day") as CostResolution;
    if (!COST_RESOLUTIONS.includes(resolution))
      throw badRequest(`"resolution" must be one of ${COST_RESOLUTIONS.join(", ")}`);
    const offer = queryValue(request, "offer");
    const rows = await pricingToBadRequest(() => costRows(device, from, to, offer));
    const t = totalsOf(rows);
    return {
      usage_point_id: device.mac,
      offer: offer ?? null,
      resolution,
      from,
      to,
      timezone: "Europe/Paris",
      buckets: bucketCosts(rows, resolution).map(bucketJson),
      totals: {
        kwh: r6(t.kwh),
        energy_eur: r6(t.energyEur),
        subscription_eur: r6(t.subscriptionEur),
        total_eur: r6(t.totalEur),
        estimated_days: t.estimatedDays,
      },
    };
  });

  app.get(`${API}/usage-points/:prm/compare`, api, async (request) => {
    const device = await ownedApi(request);
    const to = dayQuery(request, "to") ?? parisToday(now());
    const from = dayQuery(request, "from") ?? addMonths(to, -12);
    checkRange(from, to);
    const names = queryValue(request, "offers")
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    return compareJson(await pricingToBadRequest(() => comparison(device, from, to, names)));
  });

  // --- the meter's costs page

  async function ownedPage(request: FastifyRequest): Promise<Device> {
    const device = await store.devices.findById(idParam(request));
    if (!device || device.userId !== (request.user as User).id) throw notFound();
    const account = await accountOf(store, device);
    if (account && (await store.consents.isSuspended(account.id)))
      throw new HttpError(
        403,
        "Accès suspendu",
        "L'accès à ce compteur est suspendu en attendant une décision.",
      );
    return device;
  }

  const pageDay = (v: string): LocalDate | undefined =>
    isLocalDate(v) && v >= "1990-01-01" && v <= "2199-12-31" ? v : undefined;

  app.get("/devices/:id/costs", { preHandler: guards.user }, async (request, reply) => {
    const device = await ownedPage(request);
    const today = parisToday(now());
    let to = pageDay(field(request.query, "to")) ?? today;
    const stored = (await store.tariffs.listOffers()).map((s) => s.offer);
    // By default the last 12 months, from no earlier than the day every offer has a price.
    const priced = stored.reduce((d, o) => (o.prices[0]!.from > d ? o.prices[0]!.from : d), "1990-01-01");
    let from =
      pageDay(field(request.query, "from")) ?? (priced > addMonths(to, -12) ? priced : addMonths(to, -12));
    if (from >= to) from = addDays(to, -1);
    if (daysBetween(from, to) > MAX_DAYS) to = addDays(from, MAX_DAYS);
    const chosen = new Set(
      Array.isArray((request.query as Record<string, unknown>).offers)
        ? ((request.query as Record<string, unknown>).offers as string[])
        : field(request.query, "offers") !== ""
          ? [field(request.query, "offers")]
          : [],
    );
    const offers = chosen.size > 0 ? stored.filter((o) => chosen.has(o.name)) : stored;
    const assignments = await store.tariffs.assignments(device.id);
    const energy = await loadMeterEnergy(store, device, from, to);
    const compared = offers.length > 0 ? compareOffers(energy, offers) : null;
    // The cost bars: the last 31 days of the range, on the meter's tariff (else the cheapest offer).
    const barsFrom = daysBetween(from, to) > 31 ? addDays(to, -31) : from;
    let barRows: CostRow[] = [];
    let barsOffer: string | null = null;
    let barsError: string | null = null;
    try {
      if (assignments.length > 0) {
        barRows = (await costsOnTariff(store, energy)).filter((r) => r.date >= barsFrom);
        barsOffer = assignments[assignments.length - 1]!.offerName;
      } else if (compared && compared.offers[0]) {
        const best = offers.find((o) => o.name === compared.offers[0]!.offer)!;
        barRows = costsOn(energy, best, { from: barsFrom, to });
        barsOffer = best.name;
      }
    } catch (e) {
      if (!(e instanceof PricingError)) throw e;
      barsError = e.message;
    }
    const bars = bucketCosts(barRows, "day");
    const history = await store.tariffs.offPeakHistory(device.id);
    const advice = await powerAdviceOf(
      store,
      device,
      addMonths(to, -12),
      to,
      barsOffer ? stored.find((o) => o.name === barsOffer) : undefined,
      addDays(to, -1),
    );
    const windowsOf = (label: string) => {
      try {
        return formatWindows(parseOffPeak(label));
      } catch (e) {
        if (e instanceof OffPeakParseError) return `illisible (${e.message})`;
        throw e;
      }
    };
    const maxBar = Math.max(0.0001, ...bars.map((b) => b.totalEur));
    const done = field(request.query, "done");
    return render.send(request, reply, "costs", {
      title: `Coûts · ${device.label}`,
      nav: "dashboard",
      notice: done === "tariff" ? { kind: "ok", text: "Offre du compteur enregistrée." } : null,
      device: { id: device.id, label: device.label, prm: device.mac },
      from,
      to,
      offers: stored.map((o) => ({
        name: o.name,
        kind: o.kind,
        checked: chosen.size === 0 || chosen.has(o.name),
      })),
      assignments,
      compared: compared && compareJson(compared),
      bars: bars.map((b) => ({
        ...bucketJson(b),
        segments: b.periods.map((p) => ({
          period: p.period,
          pct: (100 * p.eur) / maxBar,
          eur: p.eur,
          kwh: p.kwh,
        })),
        subscriptionPct: (100 * b.subscriptionEur) / maxBar,
      })),
      barsTotals: barRows.length ? bucketJson(bucketCosts(barRows, "all")[0]!) : null,
      barsOffer,
      barsError,
      history: history.map((h) => ({ ...h, windows: windowsOf(h.label) })),
      advice,
      fmt: (n: number | null, digits = 2) =>
        n === null
          ? "—"
          : new Intl.NumberFormat("fr-FR", {
              minimumFractionDigits: digits,
              maximumFractionDigits: digits,
            }).format(n),
    });
  });

  app.post(
    "/devices/:id/tariff",
    { preHandler: [guards.user, app.csrfProtection] },
    async (request, reply) => {
      const device = await ownedPage(request);
      const name = field(request.body, "offer");
      const fromText: string = field(request.body, "from") || "1970-01-01";
      if (!isLocalDate(fromText))
        throw new HttpError(
          400,
          "Demande invalide",
          `La date « ${String(fromText).slice(0, 20)} » n'est pas une date AAAA-MM-JJ.`,
        );
      const from = fromText;
      if (!(await store.tariffs.findOffer(name)))
        throw new HttpError(400, "Demande invalide", `Aucune offre « ${name.slice(0, 80)} ».`);
      await store.tariffs.assign(device.id, from, name);
      return reply.redirect(`/devices/${device.id}/costs?done=tariff`, 303);
    },
  );

  // --- administrators: the offers

  const adminGuard = { preHandler: guards.admin };
  const adminForm = { preHandler: [guards.admin, app.csrfProtection] };
  const EXAMPLE = `name: "Mon offre HP/HC"\nkind: hphc            # base | hphc | tempo\noffpeak: contract     # ou "HC (22H00-6H00)"\nprices:\n  - from: 2026-02-01\n    subscription_eur_per_month: 15.58\n    hp: 0.2146\n    hc: 0.1696\n`;

  async function offersPage(
    request: FastifyRequest,
    reply: Parameters<typeof render.send>[1],
    extra: Record<string, unknown>,
    status = 200,
  ) {
    const offers = (await store.tariffs.listOffers()).map((s) => ({
      name: s.offer.name,
      kind: s.offer.kind,
      offpeak: s.offer.offpeak ?? "",
      rows: s.offer.prices.length,
      latest: s.offer.prices[s.offer.prices.length - 1]!,
    }));
    return render.send(
      request,
      reply,
      "offers",
      { title: "Offres", nav: "", offers, text: EXAMPLE, error: null, ...extra },
      status,
    );
  }

  app.get("/admin/offers", adminGuard, async (request, reply) => {
    const edit = field(request.query, "edit");
    const found = edit ? await store.tariffs.findOffer(edit) : undefined;
    const done = field(request.query, "done");
    return offersPage(request, reply, {
      ...(found && { text: toYaml(offerToFile(found.offer)), editing: found.offer.name }),
      notice:
        done === "saved"
          ? { kind: "ok", text: "Offre enregistrée." }
          : done === "deleted"
            ? { kind: "ok", text: "Offre supprimée." }
            : null,
    });
  });

  app.post("/admin/offers", adminForm, async (request, reply) => {
    const text = field(request.body, "offer", false);
    try {
      const offers = parseOfferFile(text, "le formulaire");
      await store.tariffs.saveOffers(offers);
    } catch (e) {
      if (!(e instanceof OfferValidationError)) throw e;
      return offersPage(request, reply, { text, error: e.message }, 400);
    }
    return reply.redirect("/admin/offers?done=saved", 303);
  });

  app.post("/admin/offers/delete", adminForm, async (request, reply) => {
    await store.tariffs.deleteOffer(field(request.body, "name"));
    return reply.redirect("/admin/offers?done=deleted", 303);
  });
}
