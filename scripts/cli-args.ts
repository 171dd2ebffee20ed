/** Tiny `--name value` / `--name=value` / `--flag` parser shared by the scripts. */

/** Options by name, and the arguments that are not options (e.g. file names), in order. */
export function parseCommandLine(argv: string[] = process.argv.slice(2)): { args: Map<string, string>; operands: string[] } {
  const args = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      operands.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args.set(a.slice(2), argv[++i]);
    else args.set(a.slice(2), 'true');
  }
  return { args, operands };
}

/** Options only: any other argument is an error. */
export function parseArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  const { args, operands } = parseCommandLine(argv);
  if (operands.length > 0) throw new Error(`unexpected argument '${operands[0]}'`);
  return args;
}

export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const v = args.get(name);
  if (v === undefined) return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`);
  return n;
}
