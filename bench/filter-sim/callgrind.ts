// Reads a callgrind profile of the simulated host (bench/filter-sim/host.ts) and splits its
// instructions into what the Wasm module executes and what the host's JavaScript costs.
//
// callgrind knows JIT code only by address; V8's --perf-basic-prof map names each code object (Wasm
// functions by their name section, JavaScript functions, the wasm-to-js import wrappers). The module's
// share is the self cost of its Wasm functions plus everything they call that is not an import
// wrapper (V8's runtime helpers for memory.copy/fill/grow, stack checks): work the module asks for.
// Everything else (the driver loop, the js-to-wasm and wasm-to-js transitions and the JavaScript
// behind each host call) is the simulated host's.
import { readFileSync } from "node:fs";

export interface Profile {
  total: number;
  /** Self cost of each Wasm function, by name. */
  wasmSelf: Map<string, number>;
  /** Runtime helpers called from Wasm (inclusive), by callee name. */
  helpers: Map<string, number>;
  /** Inclusive cost of each host import's JavaScript, by import name. */
  imports: Map<string, number>;
  module: number;
}

interface CodeRange {
  start: number;
  end: number;
  name: string;
}

function readPerfMap(path: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    ranges.push({ start, end: start + parseInt(m[2], 16), name: m[3] });
  }
  // Later entries win where V8 reused an address (code replaced by a higher tier).
  return ranges.map((r, i) => ({ ...r, i })).sort((a, b) => a.start - b.start || a.i - b.i);
}

function lookup(ranges: CodeRange[], address: number): string | undefined {
  let lo = 0,
    hi = ranges.length - 1,
    found: CodeRange | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= address) {
      found = ranges[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Several entries may start at or before the address: the last one that holds it.
  for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) if (ranges[i].start <= address && address < ranges[i].end) return ranges[i].name;
  return found && address < found.end ? found.name : undefined;
}

type Kind = "wasm" | "wrapper" | "js" | "native";

/** What a perf-map name denotes: Wasm code is logged as `JS:<name>-<index>-turbofan`. */
function classify(perfName: string | undefined): { kind: Kind; name: string } {
  if (perfName === undefined) return { kind: "native", name: "?" };
  if (perfName.startsWith("JS:wasm-to-js:")) return { kind: "wrapper", name: perfName.slice(3) };
  const wasm = /^JS:(.*)-(\d+)-(turbofan|liftoff)$/.exec(perfName);
  if (wasm && !wasm[1].startsWith("js-to-wasm")) return { kind: "wasm", name: wasm[1] };
  // JavaScript: `JS:*name file:line:col` (the tier mark ~ ^ + * dropped, so tiers add up).
  const js = /^JS:[~^+*]?(\S*)/.exec(perfName);
  return { kind: "js", name: js ? js[1] || "(anonymous)" : perfName };
}

/** `callgrindOut` must come from `--dump-instr=yes --dump-line=no`: costs by instruction address. */
export function readProfile(callgrindOut: string, perfMap: string): Profile {
  const ranges = readPerfMap(perfMap);
  const names = new Map<string, string>(); // compressed fn ids
  const byAddress = new Map<number, { kind: Kind; name: string }>();
  const at = (address: number) => {
    let k = byAddress.get(address);
    if (!k) byAddress.set(address, (k = classify(lookup(ranges, address))));
    return k;
  };
  /** A callee by callgrind's name: JIT code is named by its entry address, native code by symbol. */
  const callee = (name: string): { kind: Kind | "jit"; name: string } => {
    const bare = name.replace(/'\d+$/, "");
    if (!/^0x[0-9a-f]+$/.test(bare)) return { kind: "native", name: bare };
    const k = at(parseInt(bare, 16));
    // Wasm calls enter through V8's jump table, which the perf map does not list.
    return k.name === "?" ? { kind: "jit", name: bare } : k;
  };

  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const wasmSelf = new Map<string, number>();
  const helpers = new Map<string, number>();
  const imports = new Map<string, number>();
  let total = 0,
    module = 0,
    address = 0,
    cfn = "",
    afterCalls = false;

  const resolve = (spec: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!m) return spec;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? spec;
  };

  for (const line of readFileSync(callgrindOut, "utf8").split("\n")) {
    if (line.startsWith("cfn=")) {
      cfn = resolve(line.slice(4));
      continue;
    }
    if (line.startsWith("fn=")) {
      resolve(line.slice(3));
      continue;
    }
    if (line.startsWith("calls=")) {
      afterCalls = true;
      continue;
    }
    const cost = /^(0x[0-9a-f]+|[+-]\d+|\*) (\d+)$/.exec(line);
    if (!cost) continue;
    const pos = cost[1];
    address =
      pos === "*"
        ? address
        : pos[0] === "+"
          ? address + Number(pos.slice(1))
          : pos[0] === "-"
            ? address - Number(pos.slice(1))
            : parseInt(pos, 16);
    const ir = Number(cost[2]);
    const site = at(address);
    if (afterCalls) {
      afterCalls = false;
      const to = callee(cfn);
      if (site.kind === "wasm" && to.kind === "native") {
        add(helpers, to.name, ir);
        module += ir;
      }
      if (to.kind === "js" && to.name.startsWith("proxy_")) add(imports, to.name, ir);
    } else {
      total += ir;
      if (site.kind === "wasm") {
        add(wasmSelf, site.name, ir);
        module += ir;
      }
    }
  }
  return { total, wasmSelf, helpers, imports, module };
}

/** Per-exchange figures from two profiles of different lengths: start-up and compilation cancel. */
export function perExchange(short: Profile, long: Profile, exchanges: number) {
  const diff = (a: Map<string, number>, b: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const k of new Set([...a.keys(), ...b.keys()])) out.set(k, ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / exchanges);
    return out;
  };
  return {
    total: (long.total - short.total) / exchanges,
    module: (long.module - short.module) / exchanges,
    wasmSelf: diff(short.wasmSelf, long.wasmSelf),
    helpers: diff(short.helpers, long.helpers),
    imports: diff(short.imports, long.imports),
  };
}
