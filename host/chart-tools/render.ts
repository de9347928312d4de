// `npm run deploy:render`: writes the plain manifest bundle (deploy/manifests) from the chart's defaults.
// `-- --check` only compares and fails when a file is out of date.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../devstack/paths.ts";
import { renderAll } from "./bundle.ts";
import { MANIFESTS_DIR } from "./helm.ts";

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const files = await renderAll();
  mkdirSync(MANIFESTS_DIR, { recursive: true });
  let stale = 0;
  for (const [name, text] of files) {
    const path = join(MANIFESTS_DIR, name);
    const same = existsSync(path) && readFileSync(path, "utf8") === text;
    if (check) {
      if (!same) {
        console.error(`${relative(ROOT, path)} is out of date: run \`npm run deploy:render\``);
        stale++;
      }
    } else if (!same) {
      writeFileSync(path, text);
      console.log(`wrote ${relative(ROOT, path)}`);
    } else {
      console.log(`${relative(ROOT, path)} is up to date`);
    }
  }
  if (stale) process.exit(1);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
