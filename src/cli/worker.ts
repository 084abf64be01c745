/** `shoal worker`: see issue 8 (being built). */
export async function runWorker(_argv: string[]): Promise<number> {
  process.stderr.write('shoal worker: not built yet\n');
  return 1;
}
