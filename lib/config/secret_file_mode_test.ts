import assert from "node:assert/strict";
import { parseConfig } from "./load_config.ts";
import { readableSecretsWarning } from "./secret_file_mode.ts";

const DEST = `[Destination]\nAddr = "127.0.0.1:6379"\n`;

Deno.test("a config file with secrets that others may read gets a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/remiro.toml`;
    const cases: [string, boolean][] = [
      [`Password = "p"\n${DEST}`, true],
      [`AdminToken = "t"\n${DEST}`, true],
      [`[[Users]]\nName = "u"\nPassword = "p"\n${DEST}`, true],
      [`[Destination]\nAddr = "127.0.0.1:6379"\nPassword = "p"\n`, true],
      [`[[Users]]\nName = "u"\nNoPass = true\n${DEST}`, false],
      [DEST, false],
    ];
    for (const [text, secret] of cases) {
      await Deno.writeTextFile(file, text);
      const config = parseConfig(text, file);
      await Deno.chmod(file, 0o644);
      const warning = await readableSecretsWarning(file, config);
      assert.equal(
        warning,
        secret
          ? `config file ${file} holds secrets and is readable by others (mode 0644); chmod 600 it`
          : undefined,
        text,
      );
      await Deno.chmod(file, 0o600);
      assert.equal(await readableSecretsWarning(file, config), undefined);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
