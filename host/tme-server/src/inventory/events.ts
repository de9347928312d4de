// What changed in the inventory, as it happens: the events the OTLP log export carries. Each names the
// endpoint and, for a field, its place; never a value.
import type { Endpoint } from './endpoint.ts';

export type InventoryEventKind =
  /** An endpoint seen for the first time. */
  | 'endpoint.new'
  /** An endpoint no loaded OpenAPI operation matches. */
  | 'endpoint.shadow'
  /** A field an endpoint that had already learned its schemas had never shown. */
  | 'field.new'
  /** Sensitive classes found on a field for the first time. */
  | 'field.sensitive'
  /** A request that does not match its documented operation. */
  | 'drift';

export interface InventoryEvent {
  kind: InventoryEventKind;
  endpoint: Pick<Endpoint, 'id' | 'host' | 'method' | 'template'>;
  /** The field's place (`body.address.city`, `query.limit`, `response.200.email`). */
  location?: string;
  classes?: readonly string[];
  /** The drift's kind (wrong-type, missing-required, unknown-parameter …). */
  drift?: string;
  at: number;
}

export type InventoryListener = (event: InventoryEvent) => void;

export function endpointRef(endpoint: Endpoint): InventoryEvent['endpoint'] {
  return { id: endpoint.id, host: endpoint.host, method: endpoint.method, template: endpoint.template };
}
