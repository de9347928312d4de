// When the garbage of the collected heap is reclaimed. The filter is built with AssemblyScript's
// minimal runtime (asconfig.json): no shadow stack, no write barrier, no collection steps inside
// allocations, and so no collection unless the module asks for one. tcms's __collect marks from the
// globals and the pinned objects only, so it may run only where no managed reference lives solely in a
// Wasm local: at the very end of an exported callback, after its last use of any object. Envoy makes
// no other export of ours run inside one (what a callback asks of it that would call back, a local
// reply, a continue, a failed callout, runs after the callback returns; only malloc is called from
// inside, and malloc never collects), so the end of a callback is the end of everything on the stack.
// The points are the end of a stream's proxy_on_delete (streams.ts), of a callout answer (callout.ts)
// and of a tick (streams.ts): each calls one of the functions below last.
//
// The module cannot read the runtime's count of allocated bytes, so it keeps a debt instead: the bytes
// the host had it allocate (bodies, header maps, properties, callout answers: malloc.ts), the storage a
// growing ByteBuffer left behind (json/bytes.ts), and a fixed charge per finished stream for what its
// callbacks allocated on their own. A collection marks every live object (the configuration, the
// policy, the streams in flight), so it is worth doing only once enough garbage is due; the budget
// bounds the garbage between two collections, and with it the heap. (The engine, which shares
// json/bytes.ts, keeps its own runtime and never calls these.)

/** Garbage, in bytes, allowed to pile up between collections. */
const BUDGET: usize = 512 * 1024;
/**
 * What a stream's callbacks allocate beyond the host's buffers (header lists, strings, the record's
 * parts): measured without collections, a 1 KiB JSON POST leaves about 5.3 KiB of garbage, of which
 * 1.7 KiB are the host's buffers; a GET about 3 KiB.
 */
const STREAM_CHARGE: usize = 4 * 1024;

let debt: usize = 0;
/** The linear memory (pages) at the last collection: growth since then means the garbage is due now. */
let pagesAtCollect: i32 = 0;

/** `bytes` of garbage are, or will soon be, left behind. */
export function owe(bytes: usize): void {
  debt += bytes;
}

function collect(): void {
  debt = 0;
  __collect();
  pagesAtCollect = memory.size();
}

/** Last in a stream's proxy_on_delete. */
export function streamDone(): void {
  debt += STREAM_CHARGE;
  collectIfDue();
}

/** Last in a callout answer or a tick: a collection when one is due. */
export function collectIfDue(): void {
  if (debt >= BUDGET || memory.size() != pagesAtCollect) collect();
}
