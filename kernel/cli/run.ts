// `tsamp run`: placeholder until the headless notebook runner lands.
export async function runNotebookCli(args: string[]): Promise<number> {
  process.stderr.write(`tsamp run is not available yet (${args.join(" ")})\n`);
  return 2;
}
