// Where an HTTP stream is in its request's lifecycle, as one named phase instead of loose flags (the
// way Envoy's ext_proc filter names its callback states). The stream (plugin.ts) changes phase only
// through `canEnter`, and acts on the host (continue, local reply) only when the change is allowed:
// a callback or a check answer that comes in the wrong phase finds nothing to act on.

export enum Phase {
  /** Nothing held: the request goes on, its body is captured chunk by chunk as it streams. */
  Passing,
  /**
   * The request body is held (StopIterationAndBuffer) until it ends or fills the buffers that read it;
   * then it is inspected, checked or both (`HeldFor`).
   */
  HoldingBody,
  /** A check is out to the TME: the request (its headers, or its held body) waits for the answer. */
  AwaitingCheck,
  /** A local reply went out (blocked, or a check failed closed): the request goes no further. */
  Replied,
  /** The host deleted the stream: nothing may act on it any more (a check answering after a reset). */
  Gone,
}

/** What a held request body waits for, as bits: detection reads it first, so a body verdict comes before the check. */
export namespace HeldFor {
  export const Detection: u8 = 1;
  export const Check: u8 = 2;
}

/** The lifecycle's transitions, all of them. */
export function canEnter(from: Phase, to: Phase): bool {
  switch (from) {
    case Phase.Passing:
      return to != Phase.Passing;
    case Phase.HoldingBody:
      return to != Phase.HoldingBody;
    // The answer arrived (or the call failed): the request goes on or is refused.
    case Phase.AwaitingCheck:
      return to == Phase.Passing || to == Phase.Replied || to == Phase.Gone;
    case Phase.Replied:
      return to == Phase.Gone;
    default:
      return false;
  }
}

export function phaseName(p: Phase): string {
  switch (p) {
    case Phase.Passing:
      return "Passing";
    case Phase.HoldingBody:
      return "HoldingBody";
    case Phase.AwaitingCheck:
      return "AwaitingCheck";
    case Phase.Replied:
      return "Replied";
    default:
      return "Gone";
  }
}
