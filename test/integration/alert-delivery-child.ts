/**
 * The delivery process of alert-delivery-crash.test.ts: `node --import tsx test/integration/alert-delivery-child.ts`
 * opens the store (ALERTS_DB_URL, ALERTS_DATA_DIR), runs the delivery runner until nothing is due nor
 * claimed, writes "done" and exits 0. With ALERTS_CRASH_AT=<phase> and ALERTS_CRASH_N=<n>, it kills
 * itself with SIGKILL at the n-th delivery reaching that phase (claimed: before sending; sent: the receiver
 * took it, `sent` not written yet; marked: just after writing it).
 */
import { DeliveryRunner, type DeliveryPhase } from "../../src/alerts/delivery.js";
import { loadConfig } from "../../src/config/load.js";
import { openStore } from "../../src/store/index.js";

const store = await openStore({
  url: process.env.ALERTS_DB_URL!,
  dataDir: process.env.ALERTS_DATA_DIR!,
});
const crashAt = process.env.ALERTS_CRASH_AT as DeliveryPhase | undefined;
let left = Number(process.env.ALERTS_CRASH_N ?? "1");
const config = loadConfig({ env: {} });
const runner = new DeliveryRunner({
  store,
  config,
  now: Date.now,
  log: (m) => process.stderr.write(`${m}\n`),
  summaries: false,
  onPhase: (phase) => {
    if (phase === crashAt && --left === 0) process.kill(process.pid, "SIGKILL");
  },
});
for (;;) {
  await runner.runOnce();
  const due = await store.alertDeliveries.dueIds(1);
  const claimed = await store.alertDeliveries.activeClaims();
  if (due.length === 0 && claimed.length === 0) break;
  // A claim of another live process: wait for it to end (not expected in the test).
  await new Promise((r) => setTimeout(r, 50));
}
await runner.stop();
await store.close();
process.stdout.write("done\n");
