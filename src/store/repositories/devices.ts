/**
 * Device types and devices (the seed's `DeviceType` and `Device`). A Linky meter is a device whose `mac`
 * is the usage point id, labelled with `enedis.compteurLabel`, one per user and usage point. Its
 * `metadata` JSON holds what the contract APIs say (subscribed power, off-peak hours, activation dates…).
 */
import type { Selectable } from "kysely";
import { z } from "zod";
import type { ContractInfo } from "../../domain/types.js";
import { CorruptRowError, NotFoundError, translateDbError } from "../errors.js";
import type { DeviceTable, DeviceTypeTable } from "../schema.js";
import type { Scope } from "../scope.js";

/** The seed's implementation class of the Linky device type; the migration seeds its row. */
export const LINKY_IMPL_CLASS = "smarthome.automation.deviceType.Linky";
/** The seeded libelle, also the default `enedis.compteurLabel` (the seed finds the type by both). */
export const LINKY_DEVICE_TYPE_LIBELLE = "Compteur électrique (Linky)";

export interface DeviceType {
  id: number;
  libelle: string;
  implClass: string;
  qualitatif: boolean;
  planning: boolean;
}

export interface NewDeviceType {
  libelle: string;
  implClass: string;
  qualitatif?: boolean;
  planning?: boolean;
}

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");

/** Device metadata; snake_case keys like the account config. Unknown keys are kept. */
export const deviceMetadataSchema = z.looseObject({
  /** The seed's `modele = 'Linky'` and `opttarif = 'BASE'`. */
  modele: z.string().optional(),
  opttarif: z.string().optional(),
  subscribed_power_kva: z.number().nullable().optional(),
  contract_type: z.string().nullable().optional(),
  segments: z.array(z.string()).optional(),
  distribution_tariff: z.string().nullable().optional(),
  /** Raw, e.g. `HC (22H00-6H00)`. */
  off_peak_hours: z.string().nullable().optional(),
  consumption_activation_date: localDate.nullable().optional(),
  production_activation_date: localDate.nullable().optional(),
  contract_start: localDate.nullable().optional(),
  /** When the contract data was last read (epoch ms); it is read again monthly. */
  contract_checked_ms: z.number().int().nullable().optional(),
});
export type DeviceMetadata = z.infer<typeof deviceMetadataSchema>;
export type DeviceMetadataPatch = { [K in keyof DeviceMetadata]?: DeviceMetadata[K] | undefined };

export interface Device {
  id: number;
  userId: number;
  deviceTypeId: number;
  /** Usage point id (PRM). */
  mac: string;
  label: string;
  unite: string;
  metadata: DeviceMetadata;
  /** Last mean power in W. */
  valueW: number | null;
  /** End of the interval `valueW` was measured over (epoch ms). */
  dateValueMs: number | null;
  createdAtMs: number;
}

export interface NewDevice {
  userId: number;
  mac: string;
  label: string;
  deviceTypeId: number;
  /** Default `W`. */
  unite?: string;
  metadata?: DeviceMetadataPatch;
}

function toDeviceType(row: Selectable<DeviceTypeTable>): DeviceType {
  return {
    id: row.id,
    libelle: row.libelle,
    implClass: row.impl_class,
    qualitatif: row.qualitatif === 1,
    planning: row.planning === 1,
  };
}

function parseMetadata(id: number, text: string): DeviceMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CorruptRowError(`device ${id}: metadata is not JSON`, { cause: e });
  }
  const r = deviceMetadataSchema.safeParse(json);
  if (!r.success)
    throw new CorruptRowError(
      `device ${id}: metadata does not match its schema: ${z.prettifyError(r.error)}`,
    );
  return r.data;
}

function checkMetadata(value: unknown): DeviceMetadata {
  const r = deviceMetadataSchema.safeParse(value);
  if (!r.success) throw new RangeError(`invalid device metadata: ${z.prettifyError(r.error)}`);
  return r.data;
}

function merge(base: DeviceMetadata, patch: DeviceMetadataPatch): DeviceMetadata {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return checkMetadata(out);
}

function toDevice(row: Selectable<DeviceTable>): Device {
  return {
    id: row.id,
    userId: row.user_id,
    deviceTypeId: row.device_type_id,
    mac: row.mac,
    label: row.label,
    unite: row.unite,
    metadata: parseMetadata(row.id, row.metadata),
    valueW: row.value,
    dateValueMs: row.date_value_ms,
    createdAtMs: row.created_at_ms,
  };
}

/** What the ITC/customers APIs said about a PRM, as metadata. */
export function metadataFromContract(info: ContractInfo, checkedAtMs: number): DeviceMetadataPatch {
  return {
    subscribed_power_kva: info.subscribedPowerKva,
    contract_type: info.contractType,
    segments: info.segments,
    distribution_tariff: info.distributionTariff,
    off_peak_hours: info.offPeakHours,
    consumption_activation_date: info.consumptionActivationDate,
    production_activation_date: info.productionActivationDate,
    contract_start: info.contractStart,
    contract_checked_ms: checkedAtMs,
  };
}

export class DevicesRepository {
  constructor(private readonly scope: Scope) {}

  // --- device types

  async findTypeById(id: number): Promise<DeviceType | undefined> {
    const row = await this.scope.db
      .selectFrom("device_type")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toDeviceType(row);
  }

  /** How the seed's DataConnectService finds the Linky type. */
  async findTypeByImplClass(implClass: string): Promise<DeviceType | undefined> {
    const row = await this.scope.db
      .selectFrom("device_type")
      .selectAll()
      .where("impl_class", "=", implClass)
      .orderBy("id")
      .executeTakeFirst();
    return row && toDeviceType(row);
  }

  /** How the seed's charts and challenges find it (libelle == enedis.compteurLabel). */
  async findTypeByLibelle(libelle: string): Promise<DeviceType | undefined> {
    const row = await this.scope.db
      .selectFrom("device_type")
      .selectAll()
      .where("libelle", "=", libelle)
      .executeTakeFirst();
    return row && toDeviceType(row);
  }

  async listTypes(): Promise<DeviceType[]> {
    return (await this.scope.db.selectFrom("device_type").selectAll().orderBy("id").execute()).map(
      toDeviceType,
    );
  }

  async createType(type: NewDeviceType): Promise<DeviceType> {
    try {
      const row = await this.scope.db
        .insertInto("device_type")
        .values({
          libelle: type.libelle,
          impl_class: type.implClass,
          qualitatif: type.qualitatif ? 1 : 0,
          planning: type.planning ? 1 : 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDeviceType(row);
    } catch (e) {
      throw translateDbError(e, `a device type with libelle "${type.libelle}"`);
    }
  }

  /** The Linky device type (seeded by the first migration). */
  async linkyType(): Promise<DeviceType> {
    const t = await this.findTypeByImplClass(LINKY_IMPL_CLASS);
    if (!t)
      throw new NotFoundError(`device type ${LINKY_IMPL_CLASS} is missing (was migration 001 applied?)`);
    return t;
  }

  // --- devices

  /**
   * The user's device for `mac`, created when absent (the seed's `findOrCreateDevice`). An existing device
   * keeps its label and type; `metadata` is merged into it either way. Safe against a concurrent call.
   */
  async findOrCreate(device: NewDevice): Promise<Device> {
    return this.scope.transaction(async (tx) => {
      const metadata = checkMetadata(merge({}, device.metadata ?? {}));
      try {
        await tx.db
          .insertInto("device")
          .values({
            user_id: device.userId,
            device_type_id: device.deviceTypeId,
            mac: device.mac,
            label: device.label,
            unite: device.unite ?? "W",
            metadata: JSON.stringify(metadata),
            value: null,
            date_value_ms: null,
            created_at_ms: tx.now(),
          })
          .onConflict((oc) => oc.columns(["user_id", "mac"]).doNothing())
          .execute();
      } catch (e) {
        throw translateDbError(e, `device ${device.mac} of user ${device.userId}`);
      }
      const repo = new DevicesRepository(tx);
      const found = await repo.findByUserAndMac(device.userId, device.mac);
      if (!found) throw new NotFoundError(`device ${device.mac} of user ${device.userId} vanished`);
      if (device.metadata && Object.keys(device.metadata).length > 0) {
        return { ...found, metadata: await repo.updateMetadata(found.id, device.metadata) };
      }
      return found;
    });
  }

  async findById(id: number): Promise<Device | undefined> {
    const row = await this.scope.db.selectFrom("device").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toDevice(row);
  }

  async findByUserAndMac(userId: number, mac: string): Promise<Device | undefined> {
    const row = await this.scope.db
      .selectFrom("device")
      .selectAll()
      .where("user_id", "=", userId)
      .where("mac", "=", mac)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  /** Every device measuring a usage point (one per user who registered it), by id. */
  async findByMac(mac: string): Promise<Device[]> {
    const rows = await this.scope.db
      .selectFrom("device")
      .selectAll()
      .where("mac", "=", mac)
      .orderBy("id")
      .execute();
    return rows.map(toDevice);
  }

  async listByUser(userId: number): Promise<Device[]> {
    const rows = await this.scope.db
      .selectFrom("device")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id")
      .execute();
    return rows.map(toDevice);
  }

  /** Merges `patch` into the metadata (null clears a key) and returns the result. */
  async updateMetadata(id: number, patch: DeviceMetadataPatch): Promise<DeviceMetadata> {
    return this.scope.transaction(async (tx) => {
      let q = tx.db.selectFrom("device").select("metadata").where("id", "=", id);
      if (tx.kind === "postgres") q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw new NotFoundError(`device ${id} does not exist`);
      const metadata = merge(parseMetadata(id, row.metadata), patch);
      await tx.db
        .updateTable("device")
        .set({ metadata: JSON.stringify(metadata) })
        .where("id", "=", id)
        .execute();
      return metadata;
    });
  }

  /** Records the contract facts on the device. */
  async setContract(id: number, info: ContractInfo, checkedAtMs = this.scope.now()): Promise<DeviceMetadata> {
    return this.updateMetadata(id, metadataFromContract(info, checkedAtMs));
  }

  /** The seed's `device.value` / `device.dateValue`: the last load-curve point. True when it exists. */
  async setLastValue(id: number, valueW: number | null, dateValueMs: number | null): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("device")
      .set({ value: valueW, date_value_ms: dateValueMs })
      .where("id", "=", id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * `setLastValue` unless the device already has a later one (one statement, for writers that move it
   * forward only). True when it moved.
   */
  async advanceLastValue(id: number, valueW: number | null, dateValueMs: number): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("device")
      .set({ value: valueW, date_value_ms: dateValueMs })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("date_value_ms", "is", null), eb("date_value_ms", "<=", dateValueMs)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async setLabel(id: number, label: string): Promise<boolean> {
    const r = await this.scope.db
      .updateTable("device")
      .set({ label })
      .where("id", "=", id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Deletes the device and all its measures and ledger. True when it existed. */
  async delete(id: number): Promise<boolean> {
    const r = await this.scope.db.deleteFrom("device").where("id", "=", id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
