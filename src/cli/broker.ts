/** `shoal broker`: see issue 8 (being built). */
export async function runBroker(_argv: string[]): Promise<number> {
  process.stderr.write('shoal broker: not built yet\n');
  return 1;
}
