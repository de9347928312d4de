// Throw-away certificates for tests that need TLS (the injection webhook, the API server): one place
// for the openssl invocation of a self-signed EC P-256 certificate valid for a day.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** `<name>.crt` and `<name>.key` in `dir`, self-signed for `cn` (and the given subjectAltName); their paths. */
export function selfSignedCert(dir: string, name: string, cn: string, subjectAltName?: string): [string, string] {
  const san = subjectAltName === undefined ? [] : ["-addext", `subjectAltName=${subjectAltName}`];
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "1",
    "-subj",
    `/CN=${cn}`,
    ...san,
  ]);
  return [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
}
