import { Phase, canEnter } from "../lifecycle";

describe("stream lifecycle", () => {
  it("holds, checks and replies only forward", () => {
    expect(canEnter(Phase.Passing, Phase.HoldingBody)).toBe(true);
    expect(canEnter(Phase.Passing, Phase.AwaitingCheck)).toBe(true);
    expect(canEnter(Phase.HoldingBody, Phase.AwaitingCheck)).toBe(true);
    expect(canEnter(Phase.HoldingBody, Phase.Passing)).toBe(true);
    expect(canEnter(Phase.AwaitingCheck, Phase.Passing)).toBe(true);
    expect(canEnter(Phase.AwaitingCheck, Phase.Replied)).toBe(true);
    // A stream waiting for its answer does not start holding its body again.
    expect(canEnter(Phase.AwaitingCheck, Phase.HoldingBody)).toBe(false);
  });

  it("a replied stream only ends, and an ended one goes nowhere", () => {
    expect(canEnter(Phase.Replied, Phase.Passing)).toBe(false);
    expect(canEnter(Phase.Replied, Phase.Replied)).toBe(false);
    expect(canEnter(Phase.Replied, Phase.Gone)).toBe(true);
    expect(canEnter(Phase.Gone, Phase.Passing)).toBe(false);
    expect(canEnter(Phase.Gone, Phase.Replied)).toBe(false);
    expect(canEnter(Phase.Gone, Phase.Gone)).toBe(false);
  });

  it("the host may end a stream in any phase", () => {
    expect(canEnter(Phase.Passing, Phase.Gone)).toBe(true);
    expect(canEnter(Phase.HoldingBody, Phase.Gone)).toBe(true);
    expect(canEnter(Phase.AwaitingCheck, Phase.Gone)).toBe(true);
  });
});
