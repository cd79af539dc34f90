/** What every module's host side is: named operations on the guest's (untrusted) arguments. */
export type ModuleHost = Record<string, (args: unknown[]) => Promise<unknown>>;

/** An error the script sees (its name and message), such as QuotaExceededError. */
export class ModuleError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
