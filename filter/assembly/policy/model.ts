// The policy, as the filter holds it after parsing and validation. See policy/parse.ts for the JSON.
import { Cidr } from "./ip";
import { StringMatch } from "./strings";
import { allCategories } from "../detect/types";

export enum Action {
  None,
  Allow,
  Monitor,
  Block,
}

export function actionName(a: Action): string {
  switch (a) {
    case Action.Allow:
      return "allow";
    case Action.Monitor:
      return "monitor";
    case Action.Block:
      return "block";
    default:
      return "none";
  }
}

/** A header or query parameter condition: present, absent, or with a value matching. */
export class FieldMatch {
  constructor(
    public name: string,
    public value: StringMatch | null,
    public present: bool,
  ) {}
}

/** Every condition that is set must hold (AND); lists inside one condition are alternatives (OR). */
export class Match {
  clientIps: Array<Cidr> = [];
  methods: Array<string> = [];
  host: StringMatch | null = null;
  path: StringMatch | null = null;
  headers: Array<FieldMatch> = [];
  query: Array<FieldMatch> = [];
}

export class Rule {
  constructor(
    public id: string,
    public action: Action,
    public match: Match,
  ) {}
}

export enum RateKey {
  ClientIp,
  Header,
}

export class RateLimit {
  id: string = "";
  match: Match | null = null;
  key: RateKey = RateKey.ClientIp;
  keyHeader: string = "";
  requests: u32 = 0;
  windowMs: u64 = 60000;
  action: Action = Action.Block;
  statusCode: i32 = 429;
  /** "gatewarden/rl/<id>/" as bytes, made on first use (enforce/ratelimit.ts). */
  slotPrefix: ArrayBuffer | null = null;
}

export class Detection {
  action: Action = Action.Monitor;
  categories: Array<string> = allCategories();
  headers: Array<string> = ["user-agent", "referer"];
}

export class SyncCheck {
  /** Requests that are checked with the TME; null: none. */
  match: Match | null = null;
  includeBody: bool = false;
}

export class Policy {
  revision: i64 = 0;
  name: string = "built-in";
  /** Which address is the client: the peer, or a hop of x-forwarded-for counted from the right. */
  trustedHops: i32 = 0;
  rules: Array<Rule> = [];
  rateLimits: Array<RateLimit> = [];
  detection: Detection | null = new Detection();
  syncCheck: SyncCheck = new SyncCheck();
  /** Overrides of the plugin's blocking status and message; 0 / "" keep the plugin's. */
  blockingStatusCode: i32 = 0;
  blockingMessage: string = "";
  revealRule: bool = false;

  /** Nothing to decide: no rules, rate limits, detection or check (capture only). */
  get inert(): bool {
    return this.rules.length == 0 && this.rateLimits.length == 0 && this.detection === null && this.syncCheck.match === null;
  }
}
