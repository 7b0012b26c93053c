/**
 * Sender implementations (the seed's `NotificationAccountSender.implClass`): one entry per kind of
 * connector, registered once. The seed stored Java class names; they are accepted as aliases so that a
 * migrated database keeps working.
 *
 * Alert channels (alerts/channels/: e-mail, Free Mobile, webhook, MQTT) are senders too, with
 * `dataSource: false`: the scheduler never runs accounts of theirs; the delivery runner uses them.
 */
import { CHANNELS } from "../alerts/channels/index.js";
export interface SenderImplementation {
  /** What `sender add --impl` and the admin form take, and what is stored in `impl_class`. */
  key: string;
  label: string;
  /** The seed's class names for the same thing. */
  aliases: string[];
  /** Whether the scheduler runs its accounts (data sources), or not (e-mail, SMS senders). */
  dataSource: boolean;
}

const registry = new Map<string, SenderImplementation>();

export function registerImplementation(impl: SenderImplementation): void {
  for (const name of [impl.key, ...impl.aliases]) {
    if (registry.has(name.toLowerCase()))
      throw new Error(`sender implementation ${name} is registered twice`);
  }
  for (const name of [impl.key, ...impl.aliases]) registry.set(name.toLowerCase(), impl);
}

registerImplementation({
  key: "dataconnect",
  label: "Enedis DataConnect (Linky)",
  aliases: ["smarthome.automation.datasource.DataConnectDataSourceProvider", "DataConnectDataSourceProvider"],
  dataSource: true,
});

for (const c of CHANNELS.values()) {
  registerImplementation({ key: c.key, label: c.label, aliases: c.aliases, dataSource: false });
}

export function findImplementation(name: string): SenderImplementation | undefined {
  return registry.get(name.trim().toLowerCase());
}

export function implementations(): SenderImplementation[] {
  return [...new Set(registry.values())];
}
