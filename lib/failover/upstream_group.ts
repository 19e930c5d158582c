import type { GroupConfig, ServerConfig } from "../config/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import { UpstreamError, type UpstreamPool } from "../upstream/mod.ts";
import { GroupMember } from "./group_member.ts";
import { SentinelWatch } from "./sentinel_watch.ts";

/** The state of one member, for /health, the status page and metrics. */
export interface MemberStatus {
  address: string;
  role: "master" | "replica" | undefined;
  /** The group routes writes here. */
  current: boolean;
  up: boolean;
  error: string | undefined;
  /** Bytes behind the master (replicas). */
  lag: number | undefined;
}

/**
 * A master and its replicas behind one `[Source]` or `[Destination]` section.
 *
 * Every `CheckInterval` each member gets PING and INFO replication. At start the existing
 * topology is taken as it is: the member that says it is master stays master. In failover mode,
 * a master whose checks have failed for `DownAfter` is replaced by the healthy replica with the
 * highest replication offset whose priority is not 0 (REPLICAOF NO ONE), and the other replicas
 * are pointed at it; a former master that comes back is made a replica of the current one. In
 * sentinel mode the sentinels name the master (polled, and at once on `+switch-master`) and the
 * group never issues REPLICAOF.
 */
export class UpstreamGroup {
  readonly name: "source" | "destination";
  readonly config: GroupConfig;
  /** Failovers this group made or followed. */
  failovers = 0;
  #members: GroupMember[];
  #master: GroupMember | undefined;
  #settings: ServerConfig;
  #log: Log | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  #firstCheck: Promise<void> | undefined;
  #closed = false;
  #nextReader = 0;
  #sentinels: SentinelWatch | undefined;
  #startedAt = performance.now();

  constructor(name: "source" | "destination", server: ServerConfig, log?: Log) {
    if (!server.group) throw new TypeError(`${name} is not a group`);
    this.name = name;
    this.config = server.group;
    this.#settings = server;
    this.#log = log;
    this.#members = server.group.members.map((m) => this.#member(m.addr, m.addrText));
    if (this.config.mode === "sentinel") {
      this.#sentinels = new SentinelWatch(this.config, server, () => this.#tickSoon());
    }
    this.#firstCheck = this.#tick().finally(() => this.#firstCheck = undefined);
  }

  /** Until the first round of checks is done: commands wait for it, so none goes to a replica. */
  get pending(): Promise<void> | undefined {
    return this.#firstCheck;
  }

  /**
   * The pool writes go to: the master's, or the first member's while none is known (its errors
   * then say why). Throws the group's failure when no server is known at all (sentinel mode
   * before any sentinel answered).
   */
  get primary(): UpstreamPool {
    const member = this.#master ?? this.#members[0];
    if (!member) throw this.failure;
    return member.pool;
  }

  /** Why commands cannot run now (no master known), or undefined. */
  get failure(): UpstreamError | undefined {
    if (this.#master) return undefined;
    const reasons = this.#members.map((m) => `${m.addrText}: ${m.lastError ?? m.info?.role}`);
    return new UpstreamError(
      this.name,
      `no master in the ${this.config.mode} group (${reasons.join("; ") || "no member known"})`,
    );
  }

  /** A healthy replica's pool for a read-only command (round-robin), or undefined. */
  reader(): UpstreamPool | undefined {
    if (this.config.readFrom !== "replicas") return undefined;
    const master = this.#master;
    if (!master?.info) return undefined;
    const readers = this.#members.filter((m) =>
      m !== master && m.up && m.info?.role === "replica" && m.info.linkUp &&
      master.info!.offset - m.info.offset <= this.config.maxReplicaLagBytes
    );
    if (readers.length === 0) return undefined;
    return readers[this.#nextReader++ % readers.length].pool;
  }

  /** Every member's state. */
  get members(): MemberStatus[] {
    const masterOffset = this.#master?.info?.offset;
    return this.#members.map((m) => ({
      address: m.addrText,
      role: m.info?.role,
      current: m === this.#master,
      up: m.up,
      error: m.lastError,
      lag: m.info?.role === "replica" && masterOffset !== undefined
        ? Math.max(0, masterOffset - m.info.offset)
        : undefined,
    }));
  }

  /** The master's address, or undefined. */
  get master(): string | undefined {
    return this.#master?.addrText;
  }

  /**
   * /health: the group is healthy when it has a reachable master; each member is listed, and
   * a replica that is down is reported without failing the check.
   */
  probes(probeName: string): HealthProbe[] {
    const group: HealthProbe = {
      name: probeName,
      ping: () => {
        const failure = this.failure;
        if (failure) return Promise.reject(new Error(failure.message));
        if (!this.#master?.up) {
          return Promise.reject(new Error(`master ${this.#master?.addrText} is not answering`));
        }
        return Promise.resolve();
      },
    };
    return [
      group,
      ...this.#members.map((m): HealthProbe => ({
        name: `${probeName} ${m.addrText}${m === this.#master ? " (master)" : ""}`,
        optional: true,
        ping: () =>
          m.up ? Promise.resolve() : Promise.reject(new Error(m.lastError ?? "no check yet")),
      })),
    ];
  }

  retire(): void {
    this.#stop();
    for (const member of this.#members) member.retire();
  }

  close(): void {
    this.#stop();
    for (const member of this.#members) member.close();
  }

  #stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#sentinels?.close();
  }

  #member(addr: GroupMember["addr"], addrText: string): GroupMember {
    return new GroupMember(addr, addrText, {
      target: this.name,
      username: this.#settings.username,
      password: this.#settings.password,
      tls: this.#settings.tls,
      maxIdleConns: this.#settings.maxIdleConns,
      idleTimeoutMs: this.#settings.idleTimeoutMs,
      connectTimeoutMs: this.#settings.connectTimeoutMs,
      commandTimeoutMs: this.#settings.commandTimeoutMs,
    });
  }

  #tickSoon(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), 0);
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return await this.#ticking;
    this.#ticking = this.#round().catch((error) => {
      this.#log?.error("failover group check failed", {
        group: this.name,
        error: (error as Error).message,
      });
    }).finally(() => {
      this.#ticking = undefined;
      if (this.#closed) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#tick(), this.config.checkIntervalMs);
      Deno.unrefTimer(this.#timer);
    });
    return await this.#ticking;
  }

  async #round(): Promise<void> {
    const timeoutMs = Math.max(200, Math.min(this.config.checkIntervalMs, 2000));
    if (this.#sentinels) await this.#followSentinels(timeoutMs);
    await Promise.all(this.#members.map((m) => m.check(timeoutMs)));
    if (this.#closed || this.#sentinels) return;
    const now = performance.now();
    for (const m of this.#members) if (m.isDown(now, this.config.downAfterMs)) m.wasDown = true;
    if (this.#master === undefined) this.#adoptTopology(now);
    const master = this.#master;
    if (master && master.isDown(now, this.config.downAfterMs)) await this.#failover(master);
    await this.#reconcile(timeoutMs);
  }

  /** At start (or with no master known): the member that says it is master. */
  #adoptTopology(now: number): void {
    const masters = this.#members.filter((m) => m.up && m.info?.role === "master");
    if (masters.length > 0) {
      // Several masters at start: the one most replicas follow, so that none has to resync.
      const followers = (m: GroupMember) =>
        this.#members.filter((r) =>
          r.info?.role === "replica" && m.isAt(r.info.masterHost, r.info.masterPort)
        ).length;
      masters.sort((a, b) => followers(b) - followers(a) || b.info!.offset - a.info!.offset);
      this.#setMaster(masters[0], "found");
      if (masters.length > 1) {
        this.#log?.error("several members say they are master; the others are left alone", {
          group: this.name,
          master: masters[0].addrText,
          others: masters.slice(1).map((m) => m.addrText).join(","),
        });
      }
      return;
    }
    // Only replicas answer: their master is gone. After DownAfter, promote one.
    if (now - this.#startedAt >= this.config.downAfterMs) {
      void this.#promote(undefined);
    }
  }

  async #failover(old: GroupMember): Promise<void> {
    this.#log?.warn("master down, failing over", {
      group: this.name,
      master: old.addrText,
      error: old.lastError,
    });
    await this.#promote(old);
  }

  /** Promotes the best replica: healthy, priority not 0, highest offset. */
  async #promote(old: GroupMember | undefined): Promise<void> {
    const candidates = this.#members.filter((m) =>
      m !== old && m.up && m.info?.role === "replica" && m.info.priority !== 0
    ).sort((a, b) => b.info!.offset - a.info!.offset);
    const timeoutMs = Math.max(1000, this.config.checkIntervalMs);
    for (const candidate of candidates) {
      const promoted = await this.#replicaOf(candidate, ["NO", "ONE"], timeoutMs);
      if (!promoted) continue;
      candidate.info = { ...candidate.info!, role: "master" };
      this.failovers++;
      this.#setMaster(candidate, "promoted");
      return;
    }
    this.#log?.error("no replica can be promoted", { group: this.name });
  }

  /** Points every other reachable member at the master: replicas elsewhere, former masters. */
  async #reconcile(timeoutMs: number): Promise<void> {
    const master = this.#master;
    if (!master?.up) return;
    const [host, port] = master.hostPort;
    await Promise.all(this.#members.map(async (m) => {
      if (m === master || !m.up || !m.info) return;
      const followsMaster = m.info.role === "replica" &&
        m.isAt(m.info.masterHost, m.info.masterPort);
      if (followsMaster) return;
      // A master we never saw fail is someone else's (logged when the topology was adopted).
      if (m.info.role === "master" && !m.wasDown) return;
      if (!await this.#replicaOf(m, [host, port], timeoutMs)) return;
      this.#log?.info("member now replicates from the master", {
        group: this.name,
        member: m.addrText,
        master: master.addrText,
        was: m.info.role,
      });
      m.info = { ...m.info, role: "replica", masterHost: host, masterPort: Number(port) };
      m.wasDown = false;
    }));
  }

  /** Sends `REPLICAOF <target>` to a member; false (and logged) when it did not take it. */
  async #replicaOf(
    member: GroupMember,
    target: [string, string],
    timeoutMs: number,
  ): Promise<boolean> {
    const reply = await member.command(["REPLICAOF", ...target], timeoutMs).catch((e) => ({
      type: "error" as const,
      message: (e as Error).message,
    }));
    if (reply.type !== "error") return true;
    this.#log?.warn("a member refused REPLICAOF", {
      group: this.name,
      member: member.addrText,
      replicaOf: target.join(" "),
      error: reply.message,
    });
    return false;
  }

  #setMaster(member: GroupMember, how: "found" | "promoted" | "named by sentinel"): void {
    const previous = this.#master;
    if (previous === member) return;
    this.#master = member;
    member.wasDown = false;
    this.#log?.[previous ? "warn" : "info"]("master of the group", {
      group: this.name,
      master: member.addrText,
      previous: previous?.addrText,
      how,
    });
  }

  /** Sentinel mode: take the master and the replicas the sentinels name. */
  async #followSentinels(timeoutMs: number): Promise<void> {
    const view = await this.#sentinels!.query(timeoutMs);
    if (!view) return;
    const find = (host: string, port: number) => {
      let member = this.#members.find((m) => m.isAt(host, port));
      if (!member) {
        const addrText = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
        member = this.#member({ hostname: host, port }, addrText);
        this.#members.push(member);
      }
      return member;
    };
    for (const replica of view.replicas) find(replica.host, replica.port);
    const master = find(view.master.host, view.master.port);
    if (this.#master && this.#master !== master) this.failovers++;
    this.#setMaster(master, "named by sentinel");
  }
}
