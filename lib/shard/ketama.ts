import { md5Words } from "./md5.ts";

/** One server on a ketama continuum: the name its points are hashed from, and its weight. */
export interface KetamaServer {
  /** twemproxy's server name: the configured name, else `host:port` (`host` for port 11211). */
  readonly name: string;
  readonly weight: number;
}

const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;

/** The first four bytes of the md5 digest read little-endian, as twemproxy's hash_md5. */
export function md5Hash(bytes: Uint8Array): number {
  return md5Words(bytes)[0] >>> 0;
}

const encoder = new TextEncoder();

/**
 * The ketama continuum exactly as twemproxy (nc_ketama.c) builds it, so that the same server
 * list places every key on the same server as nutcracker with `distribution: ketama` and
 * `hash: md5`. Each server gets 160 points scaled by its share of the total weight, computed in
 * single precision as twemproxy does (with three equal servers that is 40 hashes of 4 points).
 */
export class Continuum {
  readonly #values: Uint32Array;
  readonly #owners: Uint32Array;

  constructor(servers: readonly KetamaServer[]) {
    if (servers.length === 0) throw new RangeError("Cannot build a ketama continuum: no servers");
    const f = Math.fround;
    const totalWeight = servers.reduce((sum, s) => sum + s.weight, 0);
    const points: { value: number; owner: number }[] = [];
    servers.forEach((server, owner) => {
      const pct = f(f(server.weight) / f(totalWeight));
      // floorf((float)(pct * 160 / 4 * (float)n + 0.0000000001)) * 4, float arithmetic.
      const scaled = f(f(f(pct * POINTS_PER_SERVER) / POINTS_PER_HASH) * f(servers.length));
      const hashes = Math.floor(f(scaled + 0.0000000001));
      for (let pointer = 0; pointer < hashes; pointer++) {
        // Each digest gives four points, one per 4-byte word read little-endian.
        const digest = md5Words(encoder.encode(`${server.name}-${pointer}`));
        for (let x = 0; x < POINTS_PER_HASH; x++) points.push({ value: digest[x] >>> 0, owner });
      }
    });
    points.sort((a, b) => a.value - b.value);
    this.#values = Uint32Array.from(points, (p) => p.value);
    this.#owners = Uint32Array.from(points, (p) => p.owner);
  }

  /** Points on the continuum, for tests. */
  get size(): number {
    return this.#values.length;
  }

  /** The index of the server owning `hash`: the first point at or after it, wrapping around. */
  serverFor(hash: number): number {
    const values = this.#values;
    let left = 0;
    let right = values.length;
    while (left < right) {
      const middle = (left + right) >>> 1;
      if (values[middle] < hash) left = middle + 1;
      else right = middle;
    }
    return this.#owners[right === values.length ? 0 : right];
  }
}
