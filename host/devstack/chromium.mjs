// The browser the dashboard test drives: Debian's Chromium, installed with apt-get when missing
// (as root, or through passwordless sudo). GATEWARDEN_CHROMIUM points at another binary instead.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.GATEWARDEN_CHROMIUM ?? "/usr/bin/chromium";

function canSudo() {
  try {
    execFileSync("sudo", ["-n", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.env.GATEWARDEN_CHROMIUM) throw new Error(`setup: GATEWARDEN_CHROMIUM=${CHROMIUM} does not exist`);
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !canSudo()) throw new Error("setup: Chromium is missing; install it with: sudo apt-get install -y chromium");
  const apt = (args) =>
    execFileSync(asRoot ? "apt-get" : "sudo", asRoot ? args : ["apt-get", ...args], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  console.error("setup: installing Chromium (apt-get install chromium) for the dashboard test");
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", "chromium"]);
}
