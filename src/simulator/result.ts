/** What an API handler decides; the gateway pipeline (gateway.ts) turns it into an HTTP response. */
export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function ok(body: unknown): ApiResult {
  return { status: 200, body };
}
