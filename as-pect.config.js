// as-pect runs the filter's pure modules (config, JSON, encodings, capture, batching) outside Envoy.
export default {
  entries: ["filter/assembly/__tests__/**/*.spec.ts"],
  include: ["filter/assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
