// What the request walkers share: where the last hit was, and how a document walk ended.

/** The location of the last hit ("query:q", "body.json:$.a", ...), built only for the value that fired. */
export let lastLocation = "";

export function setLocation(location: string): void {
  lastLocation = location;
}

/** Result of a document walk: a hit, clean, or not that format (the caller then inspects the raw text). */
export const DOC_CLEAN = 0;
export const DOC_HIT = 1;
export const DOC_INVALID = 2;

/** Nesting kept for locations (JSON paths, XML element paths); deeper levels are walked, not named. */
export const MAX_DEPTH = 64;
