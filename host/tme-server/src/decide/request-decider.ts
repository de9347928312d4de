// Verdicts for the ext_proc and ext_authz servers, from the engine (build/gatewarden-engine.wasm: the
// filter's own policy/decide.ts, so the same deny list → rules → rate limits → detection sequence and
// the same verdicts as the Wasm filter). The engine is kept in step with the policy the TME serves
// and with its deny list; rate limits are counted in the engine, per key, in fixed windows.
import type { DecideRequest, DecideSettings, Decision, DetectionEngine } from '../../../../filter/node/engine.ts';
import type { DenyList } from '../enforce/deny-list.ts';
import type { PolicyStore } from '../enforce/policy-store.ts';
import { countDetection, type TmeMetrics } from '../metrics/tme-metrics.ts';

export type { DecideRequest, Decision };

export class RequestDecider {
  private policyRevision = -1;
  private denyRevision = -1;

  constructor(
    private readonly engine: DetectionEngine,
    private readonly policies: PolicyStore,
    private readonly denyList: DenyList,
    private readonly settings: DecideSettings,
    private readonly detections?: TmeMetrics['detections'],
  ) {
    this.sync();
  }

  /** Deny list, rules, rate limits (the request is counted), detection on the head. */
  head(req: DecideRequest): Decision {
    this.sync();
    return this.counted(this.engine.decide(req, 'head'));
  }

  /** Detection on the captured body, after a head that asked for it. */
  body(req: DecideRequest, hadVerdict: boolean): Decision {
    this.sync();
    return this.counted(this.engine.decide(req, 'body', { hadVerdict }));
  }

  /** Head and body at once (ext_authz: the body, if any, arrives with the headers). */
  all(req: DecideRequest): Decision {
    this.sync();
    return this.counted(this.engine.decide(req, 'all'));
  }

  /** A verdict the call produced is counted once: a body phase reports only one that replaces the head's. */
  private counted(d: Decision): Decision {
    if (this.detections !== undefined) countDetection(this.detections, d.verdict);
    return d;
  }

  private sync(): void {
    const policy = this.policies.get();
    const revision = policy?.revision ?? 0;
    if (revision !== this.policyRevision) {
      // The store validated it with the same engine: an error here would be a bug, not bad input.
      const error = this.engine.setPolicy(policy?.text, this.settings);
      if (error !== undefined) throw new Error(`engine refused policy revision ${revision}: ${error}`);
      this.policyRevision = revision;
    }
    const deny = this.denyList.snapshot();
    if (deny.revision !== this.denyRevision) {
      const entries = deny.entries.map(({ kind, value, expiresAt }) => ({ [kind]: value, expiresAt }));
      const error = this.engine.setDenyList(JSON.stringify({ revision: deny.revision, keyHeader: deny.keyHeader, entries }));
      if (error !== undefined) throw new Error(`engine refused the deny list: ${error}`);
      this.denyRevision = deny.revision;
    }
  }
}
