/** Bad command-line arguments; the message is shown with the usage text, exit code 2. */
export class UsageError extends TypeError {
  override name = "UsageError";
}
