import { createPrivateKey, X509Certificate } from "node:crypto";
import { dirname, isAbsolute, join } from "node:path";
import type { Address } from "./address.ts";
import type { ListenTlsConfig, ServerTlsConfig } from "./config.ts";
import { describeReadError } from "./describe_read_error.ts";
import { KeyProblem, readOptionalString, type Table, wrongType } from "./config_reader.ts";

/** Top-level keys of the client-facing listener's TLS. */
export const LISTEN_TLS_KEYS = ["TlsCert", "TlsKey", "TlsCaCert"];

/** Keys of a `[Source]`/`[Destination]` section that secure connections to its servers. */
export const SERVER_TLS_KEYS = ["Tls", "TlsCaCert", "TlsServerName", "TlsCert", "TlsKey"];

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** Reads the PEM file a key names; relative paths are relative to the config file. */
function readPem(table: Table, key: string, name: string, configFile: string): string | undefined {
  const path = readOptionalString(table, key, name);
  if (path === undefined) return undefined;
  const resolved = isAbsolute(path) ? path : join(dirname(configFile), path);
  let text: string;
  try {
    text = Deno.readTextFileSync(resolved);
  } catch (error) {
    throw new KeyProblem(
      key,
      `cannot read ${JSON.stringify(resolved)}: ${describeReadError(error)}`,
    );
  }
  return text;
}

/** The certificates of a PEM file, each a PEM block of its own. */
function readCertificates(
  table: Table,
  key: string,
  name: string,
  configFile: string,
): string[] | undefined {
  const text = readPem(table, key, name, configFile);
  if (text === undefined) return undefined;
  const certificates = text.match(CERTIFICATE);
  if (certificates === null) {
    throw new KeyProblem(key, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      const which = certificates.length === 1 ? "the certificate" : `certificate ${index + 1}`;
      throw new KeyProblem(key, `cannot parse ${which}: ${(error as Error).message}`);
    }
  });
  return [...certificates];
}

/** A certificate chain and its private key; both keys or neither. */
function readKeyPair(
  table: Table,
  key: (name: string) => string,
  configFile: string,
): { cert: string; key: string } | undefined {
  if ((table.TlsCert === undefined) !== (table.TlsKey === undefined)) {
    const [given, missing] = table.TlsCert === undefined
      ? ["TlsKey", "TlsCert"]
      : ["TlsCert", "TlsKey"];
    throw new KeyProblem(key(given), `requires ${key(missing)} (a certificate and its key)`);
  }
  const certificates = readCertificates(table, key("TlsCert"), "TlsCert", configFile);
  const privateKey = readPem(table, key("TlsKey"), "TlsKey", configFile);
  if (certificates === undefined || privateKey === undefined) return undefined;
  if (!PRIVATE_KEY.test(privateKey)) {
    throw new KeyProblem(key("TlsKey"), "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  // Checked here so that a wrong file is a config error, not a failure at the first connect.
  let parsed;
  try {
    parsed = createPrivateKey(privateKey);
  } catch (error) {
    throw new KeyProblem(
      key("TlsKey"),
      `cannot parse the private key: ${(error as Error).message}`,
    );
  }
  if (!new X509Certificate(certificates[0]).checkPrivateKey(parsed)) {
    throw new KeyProblem(key("TlsKey"), `is not the key of the certificate in ${key("TlsCert")}`);
  }
  return { cert: certificates.join("\n"), key: privateKey };
}

/**
 * The top-level `TlsCert`/`TlsKey`/`TlsCaCert`: clients must connect with TLS, and with
 * `TlsCaCert` present a certificate signed by one of its CAs.
 */
export function readListenTls(doc: Table, configFile: string): ListenTlsConfig | undefined {
  if (doc.TlsCaCert !== undefined && doc.TlsCert === undefined) {
    throw new KeyProblem("TlsCaCert", "requires TlsCert and TlsKey (the proxy's certificate)");
  }
  const pair = readKeyPair(doc, (name) => name, configFile);
  if (pair === undefined) return undefined;
  const tls: ListenTlsConfig = pair;
  const clientCaCerts = readCertificates(doc, "TlsCaCert", "TlsCaCert", configFile);
  if (clientCaCerts !== undefined) tls.clientCaCerts = clientCaCerts;
  return tls;
}

/**
 * The TLS keys of a `[Source]`/`[Destination]` section: with `Tls = true` every connection
 * to its servers (and sentinels) uses TLS; undefined without it.
 *
 * @param addresses every address the section connects to, to refuse unix sockets
 */
export function readServerTls(
  table: Table,
  key: (name: string) => string,
  addresses: readonly { addr: Address; addrText: string }[],
  configFile: string,
): ServerTlsConfig | undefined {
  const enabled = table.Tls;
  if (enabled !== undefined && typeof enabled !== "boolean") {
    throw wrongType(key("Tls"), "a boolean", enabled);
  }
  if (enabled !== true) {
    for (const name of SERVER_TLS_KEYS) {
      if (name !== "Tls" && table[name] !== undefined) {
        throw new KeyProblem(key(name), `needs ${key("Tls")} = true`);
      }
    }
    return undefined;
  }
  const socket = addresses.find(({ addr }) => "path" in addr);
  if (socket !== undefined) {
    throw new KeyProblem(
      key("Tls"),
      `needs TCP addresses, got the unix socket ${JSON.stringify(socket.addrText)}`,
    );
  }
  const tls: ServerTlsConfig = {};
  const caCerts = readCertificates(table, key("TlsCaCert"), "TlsCaCert", configFile);
  if (caCerts !== undefined) tls.caCerts = caCerts;
  const serverName = readOptionalString(table, key("TlsServerName"), "TlsServerName");
  if (serverName !== undefined) {
    if (/[\s/:]/.test(serverName)) {
      throw new KeyProblem(
        key("TlsServerName"),
        `expected a host name such as "redis.example.com", got ${JSON.stringify(serverName)}`,
      );
    }
    tls.serverName = serverName;
  }
  const pair = readKeyPair(table, key, configFile);
  if (pair !== undefined) {
    if (serverName !== undefined) {
      // Deno.startTls, which verifies a name other than the one connected to, sends no client
      // certificate; Deno.connectTls sends one but checks the name it connects to.
      throw new KeyProblem(
        key("TlsServerName"),
        `cannot be combined with ${key("TlsCert")} in this runtime (Deno sends no client ` +
          "certificate when the server name differs from the address)",
      );
    }
    tls.cert = pair.cert;
    tls.key = pair.key;
  }
  return tls;
}
