import type { ListenTlsConfig } from "../config/mod.ts";
import { VerifiedTlsListener } from "./verified_tls_listener.ts";

/** Where and how the proxy accepts clients. */
export interface ClientListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** SO_REUSEPORT (Linux), so another instance can bind the same port. */
  reusePort?: boolean;
  /** Accept TLS clients only (`TlsCert`/`TlsKey`, and `TlsCaCert` to verify theirs). */
  tls?: ListenTlsConfig;
}

/** Accepts client connections: plain TCP, TLS, or TLS with verified client certificates. */
export interface ClientListener {
  readonly addr: Deno.NetAddr;
  /** Resolves with the next client; rejects with Deno.errors.BadResource once closed. */
  accept(): Promise<Deno.Conn>;
  close(): void;
}

/**
 * Binds the client port at once: bind errors (Deno.errors.AddrInUse, ...) are thrown here,
 * and Deno.errors.NotSupported when `reusePort` needs Deno's `--unstable-net`.
 */
export function listenClients(options: ClientListenOptions): ClientListener {
  const { tls } = options;
  const base: Deno.TcpListenOptions = { hostname: options.hostname, port: options.port };
  if (options.reusePort) base.reusePort = true;
  try {
    if (tls?.clientCaCerts) return VerifiedTlsListener.listen(base, tls);
    if (tls) return Deno.listenTls({ ...base, cert: tls.cert, key: tls.key });
    return Deno.listen(base);
  } catch (error) {
    if (options.reusePort && /--unstable-net/.test((error as Error).message)) {
      throw new Deno.errors.NotSupported(
        "ReusePort needs Deno's --unstable-net flag (the compiled remiro has it)",
      );
    }
    throw error;
  }
}
