// The policy the TME serves to every filter worker. Each accepted policy gets the next revision; the
// revision is the ETag, so filters poll cheaply with If-None-Match. A policy that fails validation is
// refused with the validator's error (which names the field) and the current one stays.
import { readFileSync } from 'node:fs';

/** Returns undefined when `policyJson` is valid, else an error naming the field. */
export type PolicyValidator = (policyJson: string) => string | undefined;

export class PolicyError extends Error {}

export class PolicyStore {
  private current: { revision: number; text: string; etag: string } | undefined;

  constructor(private readonly validate: PolicyValidator) {}

  /** Loads the initial policy from a file, if configured; a bad file stops the TME with its error. */
  loadFile(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new PolicyError(`TME_POLICY_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new PolicyError(`TME_POLICY_FILE: ${path} is not valid JSON (${(error as Error).message})`);
    }
    this.replace(parsed, `TME_POLICY_FILE ${path}: `);
  }

  /** Validates and installs a policy; returns its revision. */
  replace(policy: unknown, errorPrefix = ''): number {
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
      throw new PolicyError(`${errorPrefix}policy: expected a JSON object`);
    }
    const revision = (this.current?.revision ?? 0) + 1;
    const text = JSON.stringify({ ...policy, revision });
    const error = this.validate(text);
    if (error !== undefined) throw new PolicyError(`${errorPrefix}${error}`);
    this.current = { revision, text, etag: `"r${revision}"` };
    return revision;
  }

  get(): { revision: number; text: string; etag: string } | undefined {
    return this.current;
  }

  /** What detection does under the served policy: the filter's built-in default is monitor. */
  detectionAction(): 'monitor' | 'block' | undefined {
    if (this.current === undefined) return 'monitor';
    const detection = (JSON.parse(this.current.text) as { detection?: false | { action?: 'monitor' | 'block' } }).detection;
    if (detection === false) return undefined;
    return detection?.action ?? 'monitor';
  }
}
