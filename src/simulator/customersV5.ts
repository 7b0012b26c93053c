/**
 * Legacy v5 customers APIs (docs/dataconnect-api.md §5), consumption PRMs only, from the same profile as
 * the ITC APIs: contracts, addresses, identity, contact data.
 */
import { parisDateWithOffset } from "./paris.js";
import type { PrmProfile } from "./profile.js";

export const CUSTOMERS_V5 = {
  "/customers_upc/v5/usage_points/contracts": "customers_upc",
  "/customers_upa/v5/usage_points/addresses": "customers_upa",
  "/customers_i/v5/identity": "customers_i",
  "/customers_cd/v5/contact_data": "customers_cd",
} as const;
export type CustomersV5Path = keyof typeof CUSTOMERS_V5;

function usagePoint(p: PrmProfile) {
  return { usage_point_id: p.prm, usage_point_status: "com", meter_type: "AMM" };
}

export function customersV5Payload(path: CustomersV5Path, p: PrmProfile): unknown {
  const customerId = p.holder.customerId;
  switch (path) {
    case "/customers_upc/v5/usage_points/contracts": {
      const activation = p.consumptionActivation ?? "2016-01-01";
      return {
        customer: {
          customer_id: customerId,
          usage_points: [
            {
              usage_point: usagePoint(p),
              contracts: {
                segment: "C5",
                subscribed_power: `${p.subscribedKva} kVA`,
                last_activation_date: parisDateWithOffset(activation),
                distribution_tariff: p.distributionTariff.code,
                offpeak_hours: p.offPeak.label,
                contract_type: "GRD-F",
                contract_status: "SERVC",
                last_distribution_tariff_change_date: parisDateWithOffset(activation),
              },
            },
          ],
        },
      };
    }
    case "/customers_upa/v5/usage_points/addresses":
      return {
        customer: {
          customer_id: customerId,
          usage_points: [
            {
              usage_point: {
                ...usagePoint(p),
                usage_point_addresses: {
                  street: `${p.address.number} ${p.address.street}`,
                  locality: null,
                  postal_code: p.address.postalCode,
                  insee_code: p.address.inseeCode,
                  city: p.address.city,
                  country: "France",
                  geo_points: {
                    latitude: String(p.address.latitude),
                    longitude: String(p.address.longitude),
                    altitude: "0",
                  },
                },
              },
            },
          ],
        },
      };
    case "/customers_i/v5/identity":
      return {
        customer: {
          customer_id: customerId,
          identity: {
            natural_person: {
              title: p.holder.title,
              firstname: p.holder.firstname,
              lastname: p.holder.lastname.toUpperCase(),
            },
          },
        },
      };
    case "/customers_cd/v5/contact_data":
      return {
        customer: { customer_id: customerId, contact_data: { phone: p.holder.phone, email: p.holder.email } },
      };
  }
}
