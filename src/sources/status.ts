/** Each gateway's budget and use, and its block (banned, throttled): for `status` and the operator. */
import type { GatewaysRepository } from "../store/repositories/gateways.js";
import { gateways } from "./registry.js";

export interface GatewayStatus {
  gateway: string;
  label: string;
  accounts: number;
  rules: { label: string; scope: string; limit: number; used: number }[];
  block: { kind: string; message: string; sinceMs: number; untilMs: number | null } | null;
}

export async function gatewayStatus(repo: GatewaysRepository, nowMs: number): Promise<GatewayStatus[]> {
  const byAccount = await repo.gatewaysOfAccounts();
  const out: GatewayStatus[] = [];
  for (const g of gateways()) {
    const accounts = [...byAccount.values()].filter((x) => x === g.id).length;
    const rules = [];
    for (const r of g.capabilities.quota?.rules ?? []) {
      if (r.per !== "address") continue;
      const since = r.windowMs > 0 ? nowMs - r.windowMs : Math.floor(nowMs / 86_400_000) * 86_400_000;
      rules.push({
        label: r.label,
        scope: "address",
        limit: r.limit,
        used: await repo.countCalls(g.id, "address", since),
      });
    }
    const b = await repo.blockOf(g.id);
    out.push({
      gateway: g.id,
      label: g.label,
      accounts,
      rules,
      block: b ? { kind: b.kind, message: b.message, sinceMs: b.sinceMs, untilMs: b.untilMs } : null,
    });
  }
  return out;
}
