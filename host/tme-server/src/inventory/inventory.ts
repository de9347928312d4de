// The API inventory: endpoints per host, learned from captures. observe()
// counts every exchange on the spot (template, counters and sketches: a few
// microseconds) and queues a sample of them for schema learning, which runs
// off the ingest path in setImmediate slices. Which exchanges an endpoint
// learns from is the LearnSampler's choice (every one showing a field name
// it has not learned, and an adaptive sample of the rest); a backlog thins
// the sample further, and a full queue (bounded in entries and bytes) skips
// learning, never counting.
import { count, learn, type Learned, mergeEndpoint, newEndpoint, noteDrift, OVERFLOW_TEMPLATE, type Endpoint } from './endpoint.ts';
import { endpointRef, type InventoryEvent, type InventoryListener } from './events.ts';
import { viewOfRecord, type ExchangeView } from './exchange-view.ts';
import { LearnSampler } from './learn-sampler.ts';
import { HostTemplater, nameParameters, splitPath, templateShape, type PinnedTemplate } from './path-template.ts';
import { emptySummary, fieldChanges } from './schema.ts';
import { SpecIndex, templateSegments } from './specs.ts';

export interface InventoryOptions {
  pinned: readonly PinnedTemplate[];
  maxEndpointsPerHost: number;
  maxHosts: number;
  /** Distinct literals under one parent past which a path position becomes a parameter. */
  distinctThreshold: number;
  /** A documented operation unseen this long is "unused". */
  unusedAfterMs: number;
}

const QUEUE_MAX_ENTRIES = 10_000;
const QUEUE_MAX_BYTES = 32 * 1024 * 1024;
/** Backlog up to which every chosen exchange's schema is learned; beyond, one in backlog/LEARN_ALL_BACKLOG. */
const LEARN_ALL_BACKLOG = 256;
const SLICE_MS = 4;
/** Host name of the endpoint that counts exchanges of hosts past maxHosts. */
export const OVERFLOW_HOST = '*';

export interface InventoryStats {
  observed: number;
  learned: number;
  /** Counted without their schema because the queue was full. */
  countedOnly: number;
  /** Exchanges counted under an overflow endpoint. */
  overflowed: number;
  /** Summaries (the filter's report.sampleRate left the exchange out): counted, nothing to learn from. */
  summaries: number;
  queued: number;
  /** Drift findings, by kind (a few fixed kinds). */
  drift: Record<string, number>;
  /** Time spent learning schemas and checking drift, in seconds. */
  learnSeconds: number;
}

interface HostState {
  templater: HostTemplater;
  endpoints: Map<string, Endpoint>;
  /** The same endpoints by template, then method: found without building their key. Refolding clears it. */
  byTemplate: Map<string, Map<string, Endpoint>>;
}

export class Inventory {
  private readonly hosts = new Map<string, HostState>();
  private readonly queue: { endpoint: Endpoint; view: ExchangeView; bytes: number }[] = [];
  private queuedBytes = 0;
  private draining = false;
  private readonly sampler = new LearnSampler();
  private specIndex = SpecIndex.empty();
  private sequence = 0;
  readonly stats: InventoryStats = {
    observed: 0,
    learned: 0,
    countedOnly: 0,
    overflowed: 0,
    summaries: 0,
    queued: 0,
    drift: {},
    learnSeconds: 0,
  };
  /** Bumped on every change, for persistence to know when to write. */
  version = 0;
  private readonly listeners: InventoryListener[] = [];
  /** Endpoints restored or merged in are not news: no events while merging. */
  private merging = false;

  constructor(readonly options: InventoryOptions) {}

  /** Calls `listener` with every change from now on (new endpoints and fields, sensitive classes, shadows, drift). */
  onEvent(listener: InventoryListener): void {
    this.listeners.push(listener);
  }

  private emit(event: InventoryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('tme: an inventory event listener failed:', error);
      }
    }
  }

  /** The ingest hook, with a record's JSON bytes: linear in the record, never throws. */
  observe(record: Buffer): void {
    let view: ExchangeView | undefined;
    try {
      view = viewOfRecord(record);
    } catch (error) {
      console.error('tme: inventory could not read a record:', error);
    }
    if (view === undefined) {
      this.stats.observed++;
      return;
    }
    // The view holds the parsed record until it is learned: about its JSON size, plus the view itself.
    this.observeView(view, 512 + record.length);
  }

  /** The ingest hook for a record already read (its compact index), with about how many bytes learning from it holds. */
  observeView(view: ExchangeView, bytes: number): void {
    this.stats.observed++;
    let endpoint: Endpoint;
    try {
      endpoint = this.count(view);
    } catch (error) {
      console.error('tme: inventory could not count a record:', error);
      return;
    }
    // A summary has no query, headers or bodies: learning from it would teach absent fields.
    if (view.summary) {
      this.stats.summaries++;
      return;
    }
    if (endpoint.template === OVERFLOW_TEMPLATE || !this.sampler.choose(endpoint, endpoint.count, view, () => this.roomFor(bytes))) return;
    this.queue.push({ endpoint, view, bytes });
    this.queuedBytes += bytes;
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /** Whether a chosen exchange is queued: a backlog thins the choice, a full queue refuses it. */
  private roomFor(bytes: number): boolean {
    const backlog = this.queue.length;
    if (backlog > LEARN_ALL_BACKLOG && this.sequence++ % Math.ceil(backlog / LEARN_ALL_BACKLOG) !== 0) return false;
    if (backlog >= QUEUE_MAX_ENTRIES || this.queuedBytes + bytes > QUEUE_MAX_BYTES) {
      this.stats.countedOnly++;
      return false;
    }
    return true;
  }

  /** Exchanges waiting to be learned. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Resolves once the queue is empty, or after `timeoutMs` under sustained load (reads stay fresh, never stuck). */
  async settle(timeoutMs = 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.draining) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  }

  private drain(): void {
    const started = performance.now();
    const deadline = started + SLICE_MS;
    let head = 0;
    while (head < this.queue.length && performance.now() < deadline) {
      const { endpoint, view, bytes } = this.queue[head++]!;
      this.queuedBytes -= bytes;
      try {
        this.learn(endpoint, view);
      } catch (error) {
        console.error('tme: inventory could not learn from a capture:', error);
      }
    }
    this.queue.splice(0, head);
    this.stats.learnSeconds += (performance.now() - started) / 1000;
    this.stats.queued = this.queue.length;
    if (this.queue.length > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }

  private hostState(host: string): HostState {
    let state = this.hosts.get(host);
    if (state === undefined) {
      const key = this.hosts.size >= this.options.maxHosts ? OVERFLOW_HOST : host;
      state = this.hosts.get(key);
      if (state === undefined) {
        state = {
          templater: new HostTemplater({
            pinned: this.options.pinned,
            distinctThreshold: this.options.distinctThreshold,
            maxNodes: this.options.maxEndpointsPerHost * 8,
          }),
          endpoints: new Map(),
          byTemplate: new Map(),
        };
        this.hosts.set(key, state);
      }
    }
    return state;
  }

  private overflowEndpoint(state: HostState, host: string, at: number): Endpoint {
    const key = `* ${OVERFLOW_TEMPLATE}`;
    let endpoint = state.endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = newEndpoint(host, '*', OVERFLOW_TEMPLATE, at);
      state.endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  /** The endpoint for (host, method, template), or the host's overflow endpoint once it has too many. */
  private endpointFor(host: string, method: string, template: string, at: number): Endpoint {
    const state = this.hostState(host);
    if (this.hosts.get(host) !== state) return this.overflowEndpoint(state, OVERFLOW_HOST, at);
    let methods = state.byTemplate.get(template);
    let endpoint = methods?.get(method);
    if (endpoint !== undefined) return endpoint;
    const key = `${method} ${template}`;
    endpoint = state.endpoints.get(key);
    if (endpoint === undefined) {
      if (template === OVERFLOW_TEMPLATE || state.endpoints.size >= this.options.maxEndpointsPerHost)
        return this.overflowEndpoint(state, host, at);
      endpoint = newEndpoint(host, method, template, at);
      state.endpoints.set(key, endpoint);
      this.announce(endpoint, at);
    }
    if (methods === undefined) state.byTemplate.set(template, (methods = new Map()));
    methods.set(method, endpoint);
    return endpoint;
  }

  private announce(endpoint: Endpoint, at: number): void {
    if (!this.merging && this.listeners.length > 0) {
      this.emit({ kind: 'endpoint.new', endpoint: endpointRef(endpoint), at });
      if (this.isShadow(endpoint)) this.emit({ kind: 'endpoint.shadow', endpoint: endpointRef(endpoint), at });
    }
  }

  private count(view: ExchangeView): Endpoint {
    const state = this.hostState(view.host);
    // A path the upstream does not serve (404, 405, 410: a scanner's guesses) teaches the templater no
    // new literal; a blocked attack on a real route (403) still names it.
    const s = view.status;
    const template = state.templater.template(view.path, s !== 404 && s !== 405 && s !== 410);
    for (const prefix of state.templater.takeCollapses()) this.refold(view.host, state, prefix);
    const endpoint = this.endpointFor(view.host, view.method, template, view.at);
    count(endpoint, view);
    this.version++;
    if (endpoint.template === OVERFLOW_TEMPLATE) this.stats.overflowed++;
    return endpoint;
  }

  private learn(endpoint: Endpoint, view: ExchangeView): void {
    this.stats.learned++;
    // The first exchange of an endpoint shows all its fields: that is the endpoint.new event, not news per field.
    const settled = endpoint.learned > 0;
    const changes = fieldChanges('');
    const learned = learn(endpoint, view, changes);
    this.sampler.learned(endpoint, changes.added.length > 0 || changes.sensitive.length > 0);
    if (this.listeners.length > 0) {
      const ref = endpointRef(endpoint);
      if (settled) for (const location of changes.added) this.emit({ kind: 'field.new', endpoint: ref, location, at: view.at });
      for (const { location, classes } of changes.sensitive)
        this.emit({ kind: 'field.sensitive', endpoint: ref, location, classes, at: view.at });
    }
    this.checkDrift(endpoint, view, learned);
  }

  /**
   * A path position under `prefix` became a parameter: endpoints learned with a literal there are
   * merged into the endpoint of the parameterised template, so the inventory keeps one endpoint.
   */
  private refold(host: string, state: HostState, prefix: readonly (string | null)[]): void {
    const depth = prefix.length;
    for (const [key, endpoint] of [...state.endpoints]) {
      if (endpoint.template === OVERFLOW_TEMPLATE) continue;
      const shape = templateShape(endpoint.template);
      if (shape.length <= depth || shape[depth] === null || this.options.pinned.some((p) => p.template === endpoint.template)) continue;
      if (!prefix.every((segment, i) => segment === shape[i])) continue;
      shape[depth] = null;
      state.endpoints.delete(key);
      state.byTemplate.clear();
      const template = nameParameters(shape);
      const target = this.endpointFor(host, endpoint.method, template, endpoint.firstSeen);
      // The old endpoint had no parameter at this position, so it has no values of it to add.
      mergeEndpoint(target, { ...endpoint, pathParams: emptySummary() });
    }
  }

  private checkDrift(endpoint: Endpoint, view: ExchangeView, { query, body, hasBody }: Learned): void {
    if (!this.specIndex.loaded) return;
    const op = this.specIndex.match(view.method, splitPath(view.path));
    if (op === undefined) return;
    const findings = SpecIndex.drift(op, query, body, hasBody);
    if (findings.length === 0) return;
    noteDrift(endpoint, findings, view.at);
    for (const finding of findings) {
      this.stats.drift[finding.kind] = (this.stats.drift[finding.kind] ?? 0) + 1;
      if (this.listeners.length > 0)
        this.emit({ kind: 'drift', endpoint: endpointRef(endpoint), location: finding.location, drift: finding.kind, at: view.at });
    }
  }

  endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const state of this.hosts.values()) out.push(...state.endpoints.values());
    return out;
  }

  endpoint(id: string): Endpoint | undefined {
    return this.endpoints().find((e) => e.id === id);
  }

  get specs(): SpecIndex {
    return this.specIndex;
  }

  setSpecs(specs: SpecIndex): void {
    this.specIndex = specs;
    this.version++;
    if (this.listeners.length === 0) return;
    const at = Date.now();
    for (const endpoint of this.endpoints())
      if (this.isShadow(endpoint)) this.emit({ kind: 'endpoint.shadow', endpoint: endpointRef(endpoint), at });
  }

  /** The documented operation an endpoint belongs to, if any. */
  operationOf(endpoint: Endpoint): string | undefined {
    if (endpoint.template === OVERFLOW_TEMPLATE) return undefined;
    return this.specIndex.match(endpoint.method, templateSegments(endpoint.template))?.key;
  }

  isShadow(endpoint: Endpoint): boolean {
    return this.specIndex.loaded && endpoint.template !== OVERFLOW_TEMPLATE && this.operationOf(endpoint) === undefined;
  }

  /** Documented operations and when traffic last matched each; unused when unseen for unusedAfterMs. */
  documented(now = Date.now()): { operation: string; lastSeen: number | undefined; unused: boolean }[] {
    const lastSeen = new Map<string, number>();
    for (const endpoint of this.endpoints()) {
      const op = this.operationOf(endpoint);
      if (op !== undefined) lastSeen.set(op, Math.max(lastSeen.get(op) ?? 0, endpoint.lastSeen));
    }
    return this.specIndex.operations.map((op) => {
      const seen = lastSeen.get(op.key);
      const since = seen ?? this.specIndex.loadedAt;
      return { operation: op.key, lastSeen: seen, unused: now - since >= this.options.unusedAfterMs };
    });
  }

  /** Adds endpoints learned elsewhere (a snapshot, another replica), under the same bounds. */
  merge(endpoints: readonly Endpoint[]): void {
    this.merging = true;
    try {
      for (const incoming of endpoints) {
        const state = this.hostState(incoming.host);
        if (incoming.template !== OVERFLOW_TEMPLATE) state.templater.seed(incoming.template);
        mergeEndpoint(this.endpointFor(incoming.host, incoming.method, incoming.template, incoming.firstSeen), incoming);
      }
    } finally {
      this.merging = false;
    }
    this.version++;
  }
}
