/**
 * TLS material made with `openssl` for a test: two certificate authorities, and for each a
 * server certificate for 127.0.0.1/localhost and a client certificate. Keys are P-256 (quick
 * to make); certificates are valid for two days.
 *
 * @module
 */
import { join } from "node:path";

/** Paths of one CA's files. */
export interface Authority {
  /** The CA certificate (PEM). */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A temporary directory of certificates; removed on dispose. */
export interface TestCertificates extends AsyncDisposable {
  dir: string;
  /** The CA the tests trust. */
  trusted: Authority;
  /** Another CA, whose certificates the trusted side must refuse. */
  rogue: Authority;
  /** A file's text. */
  read(path: string): string;
}

async function openssl(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeAuthority(dir: string, name: string): Promise<Authority> {
  const path = (file: string) => join(dir, `${name}-${file}`);
  await openssl([
    "req",
    "-x509",
    ...NEW_KEY,
    ...["-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2"],
    ...["-subj", `/CN=remiro test ${name} CA`],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
  const extensions = path("leaf.ext");
  await Deno.writeTextFile(
    extensions,
    "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n" +
      "extendedKeyUsage=serverAuth,clientAuth\n",
  );
  for (const leaf of ["server", "client"]) {
    await openssl([
      "req",
      ...NEW_KEY,
      ...["-keyout", path(`${leaf}.key`), "-out", path(`${leaf}.csr`)],
      ...["-subj", `/CN=localhost`],
    ]);
    await openssl([
      "x509",
      "-req",
      ...["-in", path(`${leaf}.csr`), "-CA", path("ca.crt"), "-CAkey", path("ca.key")],
      ...["-CAcreateserial", "-out", path(`${leaf}.crt`), "-days", "2"],
      ...["-extfile", extensions],
    ]);
  }
  return {
    ca: path("ca.crt"),
    serverCert: path("server.crt"),
    serverKey: path("server.key"),
    clientCert: path("client.crt"),
    clientKey: path("client.key"),
  };
}

/** Makes the certificates of {@linkcode TestCertificates} in a new temporary directory. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "remiro-tls-" });
  try {
    const [trusted, rogue] = await Promise.all([
      makeAuthority(dir, "trusted"),
      makeAuthority(dir, "rogue"),
    ]);
    return {
      dir,
      trusted,
      rogue,
      read: (path) => Deno.readTextFileSync(path),
      [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** redis-server arguments for a TLS-only listener on `tlsPort` with these certificates. */
export function redisTlsArgs(
  tlsPort: number,
  authority: Authority,
  authClients: "yes" | "no",
): string[] {
  return [
    ...["--tls-port", String(tlsPort)],
    ...["--tls-cert-file", authority.serverCert, "--tls-key-file", authority.serverKey],
    ...["--tls-ca-cert-file", authority.ca, "--tls-auth-clients", authClients],
  ];
}
