/**
 * The Enedis Data Connect source (2026 and legacy v5): the operator's own application, shared by every
 * direct account. The client in `src/enedis/` is the implementation (token cache, HTTP, errors, parsing,
 * windows); it implements `MeasureSource` as it is, so that its behaviour is unchanged.
 */
export { DataConnectClient as EnedisSource, type DataConnectClientOptions } from "../../enedis/client.js";
export type { Generation } from "../../enedis/generations.js";
