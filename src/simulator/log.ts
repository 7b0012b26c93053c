/**
 * The request log behind `GET /__simulator/log`: counts per API (quota scope), per endpoint, per status
 * and per fault, plus the most recent calls. Admin endpoints are not logged.
 */

export interface RequestLogEntry {
  /** Clock time of the call (epoch ms). */
  at: number;
  method: string;
  /** Endpoint key: method and path pattern, e.g. `GET /mesure_synchrone_auto/v2/consommation_quotidienne`. */
  endpoint: string;
  /** Quota scope (API name), or a pseudo-scope: `oauth2`, `consent`, `other`. */
  api: string;
  /** HTTP status the client got; 499 when it hung up before any answer. */
  status: number;
  /** Injected fault, when one was. */
  fault?: string;
}

export interface RequestLogSnapshot {
  total: number;
  byApi: Record<string, number>;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /** Per API, per status. */
  byApiStatus: Record<string, Record<string, number>>;
  /** Injected faults per kind (`500`, `503`, `stall`, `truncate`). */
  faults: Record<string, number>;
  /** Calls refused with 429. */
  quotaRefused: number;
  /** The last 200 calls, oldest first. */
  recent: RequestLogEntry[];
}

const RECENT = 200;

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class RequestLog {
  private snap: RequestLogSnapshot = RequestLog.empty();

  private static empty(): RequestLogSnapshot {
    return {
      total: 0,
      byApi: {},
      byEndpoint: {},
      byStatus: {},
      byApiStatus: {},
      faults: {},
      quotaRefused: 0,
      recent: [],
    };
  }

  record(e: RequestLogEntry): void {
    const s = this.snap;
    s.total++;
    bump(s.byApi, e.api);
    bump(s.byEndpoint, e.endpoint);
    bump(s.byStatus, String(e.status));
    bump((s.byApiStatus[e.api] ??= {}), String(e.status));
    if (e.fault) bump(s.faults, e.fault);
    if (e.status === 429) s.quotaRefused++;
    s.recent.push(e);
    if (s.recent.length > RECENT) s.recent.splice(0, s.recent.length - RECENT);
  }

  snapshot(): RequestLogSnapshot {
    return structuredClone(this.snap);
  }

  reset(): void {
    this.snap = RequestLog.empty();
  }
}
