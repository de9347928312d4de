// Throw-away certificates for tests that need TLS (the injection webhook, the API server): EC P-256
// keys, certificates valid for a day, self-signed or signed by a test CA.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const NEW_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** `<name>.crt` and `<name>.key` in `dir`, self-signed for `cn` (and the given subjectAltName); their paths. */
export function selfSignedCert(dir: string, name: string, cn: string, subjectAltName?: string): [string, string] {
  const san = subjectAltName === undefined ? [] : ["-addext", `subjectAltName=${subjectAltName}`];
  openssl(dir, [
    "req",
    "-x509",
    ...NEW_EC_KEY,
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

/**
 * `<name>.crt` and `<name>.key` for a server on 127.0.0.1/localhost, signed by the CA `ca.crt`/`ca.key`
 * in `dir` (made with selfSignedCert); their paths.
 */
export function caSignedCert(dir: string, name: string, cn: string): [string, string] {
  openssl(dir, ["req", ...NEW_EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  ]);
  return [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
}
