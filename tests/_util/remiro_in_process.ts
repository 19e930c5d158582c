import assert from "node:assert/strict";
import { main, type Output } from "../../lib/cli/mod.ts";
import { waitFor } from "./redis.ts";

/** `remiro ARGS` running in this process, as main.ts runs it, until disposed. */
export class RemiroInProcess implements AsyncDisposable {
  readonly printed: string[] = [];
  #stop = Promise.withResolvers<void>();
  #exit: Promise<number>;
  #exitCode: number | undefined;

  constructor(readonly args: string[]) {
    const output: Output = {
      out: (line) => this.printed.push(line),
      err: (line) => this.printed.push(line),
    };
    this.#exit = main(args, output, () => this.#stop.promise);
    this.#exit.then(
      (code) => {
        this.#exitCode = code;
      },
      () => {
        // A crash still ends the wait for output; disposing rethrows it.
        this.#exitCode = -1;
      },
    );
  }

  /** The first group of `pattern` in what the command printed, once it printed it. */
  async waitForOutput(pattern: RegExp): Promise<string> {
    let found: string | undefined;
    await waitFor(() => {
      found = this.printed.join("\n").match(pattern)?.[1];
      return found !== undefined || this.#exitCode !== undefined;
    }, { timeoutMs: 10_000, message: `remiro ${this.args[0]} printed ${pattern}` });
    if (found === undefined) {
      throw new Error(
        `remiro ${this.args[0]} exited with ${this.#exitCode}:\n${this.printed.join("\n")}`,
      );
    }
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stop.resolve();
    assert.equal(await this.#exit, 0, `remiro ${this.args[0]}:\n${this.printed.join("\n")}`);
  }
}
