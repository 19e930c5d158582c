import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "./load_config.ts";
import { assertConfigRejects } from "../../tests/_util/config_errors.ts";

// A self-signed P-256 certificate and its key, and another key, for parsing only.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBjjCCATOgAwIBAgIUB4joS1vOK0CI/P376BoHCPA8glYwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQcmVtaXJvIHVuaXQgdGVzdDAgFw0yNjEyMDEwMjAwMDZaGA8y
MTI2MTEwNzAyMDAwNlowGzEZMBcGA1UEAwwQcmVtaXJvIHVuaXQgdGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABMFFfWRsunEbsHaFIswz8zZogDRhNJg74CK5
HmMat/JLVO2FnBcDo5TjAebhPMnq8OyULQCDyPTtRyydoFjFowCjUzBRMB0GA1Ud
DgQWBBSRGEmccdCvazkfO7ObCXSNm7xJuzAfBgNVHSMEGDAWgBSRGEmccdCvazkf
O7ObCXSNm7xJuzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDL
VGV00xlfmh0tBPXMkIlDjkg8wNkLfjg9K6TwqcDmdgIhAIaSVzZHwQcLZH3DG5ZW
T7+2I1qA7AS5fznnbpAzt/k4
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHXoOjHSIGAUcID3O
8EI1tgIhkiDeURv4ru+AVf6x5BmhRANCAATBRX1kbLpxG7B2hSLMM/M2aIA0YTSY
O+AiuR5jGrfyS1TthZwXA6OU4wHm4TzJ6vDslC0Ag8j07UcsnaBYxaMA
-----END PRIVATE KEY-----
`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHu7/KFabMeF9swra
Y+XeFut2C9I0phBpiq6mZuKyEgKhRANCAATpo8dv/SsbbaU7iykOMgOC29TWrOBh
ZTgxqqhvkcFOr/ZZbhNMtnsqy8BYpcE8AjfWq682pP99CTjmVpahK2Rf
-----END PRIVATE KEY-----
`;
const CA_BUNDLE = `# comment lines between blocks are allowed\n${CERT}${CERT}`;
const BROKEN_CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const BROKEN_KEY = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

/** A directory with ca.pem, cert.pem, key.pem and a config path inside it. */
function pemDir(): { dir: string; file: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "remiro-tls-config-" });
  Deno.writeTextFileSync(join(dir, "ca.pem"), CA_BUNDLE);
  Deno.writeTextFileSync(join(dir, "cert.pem"), CERT);
  Deno.writeTextFileSync(join(dir, "key.pem"), KEY);
  Deno.writeTextFileSync(join(dir, "other.key"), OTHER_KEY);
  Deno.writeTextFileSync(join(dir, "broken.crt"), BROKEN_CERT);
  Deno.writeTextFileSync(join(dir, "broken.key"), BROKEN_KEY);
  return {
    dir,
    file: join(dir, "remiro.toml"),
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

function rejects(text: string, file: string, key: string | undefined, problem: RegExp): void {
  assertConfigRejects(text, file, key, problem);
}

Deno.test("a server section with Tls = true reads its PEM files relative to the config", () => {
  using pems = pemDir();
  const config = parseConfig(
    '[Destination]\nAddr = "10.0.0.1:6380"\nTls = true\nTlsCaCert = "ca.pem"\n' +
      `TlsCert = "${join(pems.dir, "cert.pem")}"\nTlsKey = "key.pem"\n`,
    pems.file,
  );
  assert.deepEqual(config.destination.tls, {
    caCerts: [CERT.trim(), CERT.trim()],
    cert: CERT.trim(),
    key: KEY,
  });
  assert.equal(config.tls, undefined);
});

Deno.test("Tls = true alone uses the system's roots and the host as server name", () => {
  const config = parseConfig('[Destination]\nAddr = "redis.example.com:6380"\nTls = true\n', "x");
  assert.deepEqual(config.destination.tls, {});
  const named = parseConfig(
    '[Destination]\nAddr = "10.0.0.1:6380"\nTls = true\nTlsServerName = "redis.internal"\n',
    "x",
  );
  assert.deepEqual(named.destination.tls, { serverName: "redis.internal" });
});

Deno.test("TLS keys of a server section need Tls = true", () => {
  for (const name of ["TlsCaCert", "TlsServerName", "TlsCert", "TlsKey"]) {
    rejects(
      `[Source]\nAddr = "10.0.0.1:6379"\n${name} = "x"\n[Destination]\nAddr = "10.0.0.2:6379"\n`,
      "x",
      `Source.${name}`,
      /^needs Source\.Tls = true$/,
    );
  }
  rejects(
    '[Destination]\nAddr = "10.0.0.1:6379"\nTls = "yes"\n',
    "x",
    "Destination.Tls",
    /^expected a boolean, got string "yes"$/,
  );
});

Deno.test("Tls refuses unix sockets, in a group too", () => {
  rejects(
    '[Destination]\nAddr = "unix:/run/redis.sock"\nTls = true\n',
    "x",
    "Destination.Tls",
    /needs TCP addresses, got the unix socket "unix:\/run\/redis.sock"/,
  );
  rejects(
    '[Destination]\nMode = "failover"\nAddrs = ["10.0.0.1:6379", "unix:/tmp/r.sock"]\nTls = true\n',
    "x",
    "Destination.Tls",
    /unix socket "unix:\/tmp\/r.sock"/,
  );
  const group = parseConfig(
    '[Destination]\nMode = "failover"\nAddrs = ["10.0.0.1:6379", "10.0.0.2:6379"]\nTls = true\n',
    "x",
  );
  assert.deepEqual(group.destination.tls, {});
});

Deno.test("unreadable or wrong PEM files are errors naming the key", () => {
  using pems = pemDir();
  const server = '[Destination]\nAddr = "10.0.0.1:6379"\nTls = true\n';
  rejects(
    `${server}TlsCaCert = "missing.pem"\n`,
    pems.file,
    "Destination.TlsCaCert",
    new RegExp(`^cannot read "${join(pems.dir, "missing.pem")}": file not found$`),
  );
  rejects(
    `${server}TlsCaCert = "${pems.dir}"\n`,
    pems.file,
    "Destination.TlsCaCert",
    /^cannot read ".*": is a directory, not a file$/,
  );
  rejects(
    `${server}TlsCaCert = "key.pem"\n`,
    pems.file,
    "Destination.TlsCaCert",
    /^holds no PEM certificate \(-----BEGIN CERTIFICATE-----\)$/,
  );
  rejects(
    `${server}TlsCert = "cert.pem"\nTlsKey = "cert.pem"\n`,
    pems.file,
    "Destination.TlsKey",
    /^holds no PEM private key/,
  );
  rejects(
    `${server}TlsCaCert = "broken.crt"\n`,
    pems.file,
    "Destination.TlsCaCert",
    /^cannot parse the certificate: /,
  );
  rejects(
    `${server}TlsCert = "cert.pem"\nTlsKey = "broken.key"\n`,
    pems.file,
    "Destination.TlsKey",
    /^cannot parse the private key: /,
  );
  rejects(
    `${server}TlsCert = "cert.pem"\nTlsKey = "other.key"\n`,
    pems.file,
    "Destination.TlsKey",
    /^is not the key of the certificate in Destination\.TlsCert$/,
  );
});

Deno.test("a certificate needs its key, and the other way round", () => {
  using pems = pemDir();
  const server = '[Destination]\nAddr = "10.0.0.1:6379"\nTls = true\n';
  rejects(
    `${server}TlsCert = "cert.pem"\n`,
    pems.file,
    "Destination.TlsCert",
    /^requires Destination\.TlsKey/,
  );
  rejects(
    `${server}TlsKey = "key.pem"\n`,
    pems.file,
    "Destination.TlsKey",
    /^requires Destination\.TlsCert/,
  );
  rejects(
    `${server}TlsServerName = "redis.internal"\nTlsCert = "cert.pem"\nTlsKey = "key.pem"\n`,
    pems.file,
    "Destination.TlsServerName",
    /^cannot be combined with Destination\.TlsCert in this runtime/,
  );
  rejects(
    `${server}TlsServerName = "redis:6379"\n`,
    pems.file,
    "Destination.TlsServerName",
    /^expected a host name/,
  );
});

Deno.test("top-level TlsCert and TlsKey make the proxy listen with TLS", () => {
  using pems = pemDir();
  const destination = '[Destination]\nAddr = "10.0.0.1:6379"\n';
  const plain = parseConfig(destination, pems.file);
  assert.equal(plain.tls, undefined);
  const tls = parseConfig(`TlsCert = "cert.pem"\nTlsKey = "key.pem"\n${destination}`, pems.file);
  assert.deepEqual(tls.tls, { cert: CERT.trim(), key: KEY });
  assert.equal(tls.destination.tls, undefined);
  const mutual = parseConfig(
    `TlsCert = "cert.pem"\nTlsKey = "key.pem"\nTlsCaCert = "ca.pem"\n${destination}`,
    pems.file,
  );
  assert.equal(mutual.tls?.clientCaCerts?.length, 2);
  rejects(`TlsCaCert = "ca.pem"\n${destination}`, pems.file, "TlsCaCert", /^requires TlsCert/);
  rejects(`TlsKey = "key.pem"\n${destination}`, pems.file, "TlsKey", /^requires TlsCert/);
  rejects(
    `TlsCert = "nowhere.pem"\nTlsKey = "key.pem"\n${destination}`,
    pems.file,
    "TlsCert",
    /^cannot read ".*nowhere\.pem": file not found$/,
  );
});
