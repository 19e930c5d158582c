import type { ConnectOptions, TlsOptions } from "./upstream_connection.ts";

/**
 * A TLS connection whose handshake is done: a certificate that is not trusted is an error here,
 * at connect, rather than at the first command (where it would look like a network error).
 */
export async function connectTls(
  addr: { hostname: string; port: number },
  tls: TlsOptions,
  /**
   * Gets the connection before its handshake, so a caller's timeout can close it; one that
   * gave up already (`abandoned`) has it closed at once.
   */
  progress?: { conn?: Deno.Conn; abandoned?: boolean },
): Promise<Deno.TlsConn> {
  const { serverName, ...options } = tls;
  // Deno.connectTls verifies the name it connects to; another name needs a TLS start on a
  // plain connection (which sends no client certificate: the config refuses that pairing).
  const conn = serverName === undefined || serverName === addr.hostname
    ? await Deno.connectTls({ hostname: addr.hostname, port: addr.port, ...options })
    : await Deno.startTls(await Deno.connect({ hostname: addr.hostname, port: addr.port }), {
      hostname: serverName,
      caCerts: options.caCerts,
    });
  if (progress) {
    progress.conn = conn;
    if (progress.abandoned) conn.close();
  }
  try {
    await conn.handshake();
  } catch (error) {
    try {
      conn.close();
    } catch {
      // closed by a timeout
    }
    // Deno's text ("invalid peer certificate: UnknownIssuer") does not say it is about TLS.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`TLS handshake failed: ${reason}`, { cause: error });
  }
  return conn;
}

/** A TCP, TLS or unix socket connection within `timeoutMs`; nothing leaks after a timeout. */
export async function connectWithTimeout(
  addr: ConnectOptions["addr"],
  timeoutMs: number,
  tls?: ConnectOptions["tls"],
): Promise<Deno.Conn> {
  const handshaking: { conn?: Deno.Conn; abandoned?: boolean } = {};
  const connecting: Promise<Deno.Conn> = "path" in addr
    ? Deno.connect({ transport: "unix", path: addr.path })
    : tls
    ? connectTls(addr, tls, handshaking)
    : Deno.connect({ hostname: addr.hostname, port: addr.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      handshaking.abandoned = true;
      if (handshaking.conn === undefined) {
        reject(new Deno.errors.TimedOut("connect timed out"));
        return;
      }
      // A server that does not speak TLS on the port (a plain Redis waits for a newline) never
      // answers the handshake: say so, and close the socket the handshake would hold forever.
      handshaking.conn.close();
      reject(new Deno.errors.TimedOut("TLS handshake timed out (is it a TLS port?)"));
    }, timeoutMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (error) {
    // A connection that completes after the timeout must not leak.
    connecting.then((conn) => conn.close(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
