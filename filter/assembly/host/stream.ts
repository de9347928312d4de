// What a filter implements for HTTP streams: one object per stream, made by its root, its callbacks
// reached by id through the dispatch in streams.ts. Every callback lets the stream go on unless the
// filter overrides it.
import {
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  FilterTrailersStatusValues,
  RootContext,
} from "@solo-io/proxy-runtime/assembly/runtime";

export class Stream {
  constructor(readonly id: u32) {}

  onRequestHeaders(headers: u32, endOfStream: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(length: usize, endOfStream: bool): FilterDataStatusValues {
    return FilterDataStatusValues.Continue;
  }

  onRequestTrailers(trailers: u32): FilterTrailersStatusValues {
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(headers: u32, endOfStream: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(length: usize, endOfStream: bool): FilterDataStatusValues {
    return FilterDataStatusValues.Continue;
  }

  onResponseTrailers(trailers: u32): FilterTrailersStatusValues {
    return FilterTrailersStatusValues.Continue;
  }

  /** After the stream ended (completed or reset), before it is deleted. */
  onLog(): void {}

  /** The host deleted the stream: no callback will come for it any more. */
  onDelete(): void {}
}

/**
 * A root context (configuration, ticks: the SDK's) that makes the streams of its plugin. Register its
 * factory with the SDK's registerRootContext.
 */
export abstract class FilterRoot extends RootContext {
  abstract newStream(id: u32): Stream;
}
