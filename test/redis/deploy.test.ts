/**
 * The deployment recipes run the CLI's real commands: deploy/Containerfile's ENTRYPOINT is the
 * package's `bin`, deploy/kubernetes/workers.yaml passes `worker` and only flags of WORKER_OPTIONS
 * (parsed by util.parseArgs exactly as the command does), the token comes from the environment (a
 * Secret), never from arguments, and the documented `shoal …` command lines use real flags too.
 * The manifest is read with a small parser for the block-YAML subset it is written in (no YAML
 * dependency); the parser refuses anything outside that subset rather than misreading it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, expect, test } from 'vitest';
import { BROKER_OPTIONS } from '../../src/cli/broker-config.ts';
import { WORKER_OPTIONS } from '../../src/cli/worker-options.ts';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
/** The subcommands src/cli/main.ts dispatches (its `case '…':` labels that are not help flags). */
const SUBCOMMANDS = [...read('src/cli/main.ts').matchAll(/case '([a-z][\w-]*)':/g)].map((m) => m[1]!);
const FLAGS: Record<string, Record<string, { type: string }>> = { worker: WORKER_OPTIONS, broker: BROKER_OPTIONS };

// ---- a block-YAML subset: maps, lists, scalars, comments, `---` documents ----

type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };
interface Line {
  indent: number;
  text: string;
  n: number;
}

function parseYaml(source: string): Yaml[] {
  const docs: Line[][] = [[]];
  source.split('\n').forEach((raw, i) => {
    if (/^---\s*$/.test(raw)) return void docs.push([]);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tabs`);
    docs.at(-1)!.push({ indent: text.length - text.trimStart().length, text: text.trim(), n: i + 1 });
  });
  return docs
    .filter((d) => d.length)
    .map((lines) => {
      const [value, next] = block(lines, 0, lines[0]!.indent);
      if (next !== lines.length) throw new Error(`line ${lines[next]!.n}: unexpected indentation`);
      return value;
    });
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i);
  }
  return line;
}

function block(lines: Line[], i: number, indent: number): [Yaml, number] {
  return lines[i]!.text.startsWith('- ') || lines[i]!.text === '-' ? list(lines, i, indent) : map(lines, i, indent);
}

function list(lines: Line[], i: number, indent: number): [Yaml[], number] {
  const out: Yaml[] = [];
  while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-')) {
    const rest = lines[i]!.text.slice(1).trim();
    if (rest === '') {
      const [v, next] = block(lines, i + 1, lines[i + 1]!.indent);
      out.push(v);
      i = next;
    } else if (/^[\w./-]+:( |$)/.test(rest)) {
      // `- key: value` starts a map whose entries are indented like `key`.
      const inner = [...lines];
      inner[i] = { indent: indent + 2, text: rest, n: lines[i]!.n };
      const [v, next] = map(inner, i, indent + 2);
      out.push(v);
      i = next;
    } else {
      out.push(scalar(rest, lines[i]!.n));
      i++;
    }
  }
  return [out, i];
}

function map(lines: Line[], i: number, indent: number): [{ [k: string]: Yaml }, number] {
  const out: { [k: string]: Yaml } = {};
  while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith('- ')) {
    const m = /^([\w./-]+):(?: (.*))?$/.exec(lines[i]!.text);
    if (!m) throw new Error(`line ${lines[i]!.n}: not "key: value": ${lines[i]!.text}`);
    if (m[1]! in out) throw new Error(`line ${lines[i]!.n}: duplicate key ${m[1]}`);
    if (m[2] !== undefined && m[2].trim() !== '') {
      out[m[1]!] = scalar(m[2].trim(), lines[i]!.n);
      i++;
    } else {
      const nextLine = lines[i + 1];
      // A nested block is indented further, or is a list at the key's own indentation.
      if (!nextLine || !(nextLine.indent > indent || (nextLine.indent === indent && nextLine.text.startsWith('- ')))) throw new Error(`line ${lines[i]!.n}: empty value`);
      const [v, next] = block(lines, i + 1, nextLine.indent);
      out[m[1]!] = v;
      i = next;
    }
  }
  return [out, i];
}

function scalar(s: string, n: number): Yaml {
  if (/^[[{]/.test(s)) throw new Error(`line ${n}: flow collections are outside the subset`);
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (s.startsWith("'")) {
    if (!s.endsWith("'")) throw new Error(`line ${n}: unterminated quote`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null' || s === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

// ---- the checks ----

/** Check a `shoal <sub> …` argument list the way the command parses it; returns the parsed flags. */
function checkCommand(args: string[], where: string): Record<string, unknown> {
  const [sub, ...rest] = args;
  expect(SUBCOMMANDS, `${where}: subcommand`).toContain(sub);
  const options = FLAGS[sub!]!;
  for (const a of rest) if (a.startsWith('--')) expect(Object.keys(options), `${where}: flag ${a}`).toContain(a.slice(2).split('=')[0]);
  const { values } = parseArgs({ args: rest, options: options as never, allowPositionals: true, strict: true });
  for (const a of rest) expect(a, `${where}: a secret on the command line`).not.toMatch(/SHOAL_TOKEN|token=/i);
  return values as Record<string, unknown>;
}

/** Bytes of a size written the CLI's way (8GiB) or Kubernetes' way (8Gi). */
function bytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(K|M|G|T)i(B?)$/.exec(s);
  if (!m) throw new Error(`not a binary size: ${s}`);
  return Number(m[1]) * 1024 ** ('KMGT'.indexOf(m[2]!) + 1);
}

describe('the parser', () => {
  test('reads the subset and refuses what it does not know', () => {
    expect(parseYaml('a: 1\nb:\n  - x\n  - k: "v # not a comment"\n    j: \'it\'\'s\'\nc:\n- 2 # comment\n---\nd: true\n')).toEqual([{ a: 1, b: ['x', { k: 'v # not a comment', j: "it's" }], c: [2] }, { d: true }]);
    expect(() => parseYaml('a: {b: 1}')).toThrow(/flow/);
    expect(() => parseYaml('a: 1\na: 2')).toThrow(/duplicate/);
    expect(() => parseYaml('a: 1\n   b: 2')).toThrow(/indentation/);
  });
});

describe('deploy/Containerfile', () => {
  const text = read('deploy/Containerfile');
  // Instructions, continuation lines joined; only the last stage is what runs.
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => /^(\w+)\s+(.*)$/.exec(l.trim())!)
    .map((m) => ({ op: m[1]!.toUpperCase(), arg: m[2]! }));
  const lastFrom = instructions.map((x) => x.op).lastIndexOf('FROM');
  const final = instructions.slice(lastFrom);
  const one = (op: string) => final.filter((x) => x.op === op).at(-1)?.arg;

  test('runs the package bin as a non-root user on node:20-slim with production dependencies', () => {
    expect(final[0]!.arg).toBe('node:20-slim');
    const entry = JSON.parse(one('ENTRYPOINT')!) as string[];
    expect(entry).toHaveLength(1);
    expect(Object.keys(pkg.bin)).toContain(entry[0]);
    // The bin is installed on PATH pointing at the package's real file.
    const link = final.find((x) => x.op === 'RUN' && x.arg.includes('ln -s'))!.arg;
    expect(link).toMatch(new RegExp(`ln -s \\S+/${pkg.bin[entry[0]!]!.replace(/\./g, '\\.')} /usr/local/bin/${entry[0]}(\\s|$)`));
    expect(final.some((x) => x.op === 'RUN' && /npm ci --omit=dev/.test(x.arg))).toBe(true);
    expect(one('USER')).toBeDefined();
    expect(['root', '0']).not.toContain(one('USER'));
    // CMD (the default arguments) is something main.ts handles.
    const cmd = JSON.parse(one('CMD')!) as string[];
    expect([...SUBCOMMANDS, '--help', '-h']).toContain(cmd[0]);
    // No secret baked into the image.
    for (const x of final.filter((x) => x.op === 'ENV' || x.op === 'ARG')) expect(x.arg).not.toMatch(/TOKEN|PASSWORD/i);
  });

  test('the run example in its header uses real flags and the token from the environment', () => {
    const example = /shoal-worker \\\n#\s+(worker .*)/.exec(text)![1]!;
    expect(text).toMatch(/-e SHOAL_TOKEN\b/);
    const values = checkCommand(example.split(/\s+/), 'Containerfile example');
    expect(values.listen).toBe('0.0.0.0:8788');
  });
});

describe('deploy/kubernetes/workers.yaml', () => {
  const docs = parseYaml(read('deploy/kubernetes/workers.yaml')) as Record<string, any>[];
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = new Map<string, any>(container.env.map((e: any) => [e.name, e]));
  // Kubernetes expands $(VAR) in args from the container's env.
  const expand = (a: string) => a.replace(/\$\((\w+)\)/g, (_, v: string) => `<${v}>`);

  test('runs `shoal worker` (the image ENTRYPOINT) with flags of WORKER_OPTIONS only', () => {
    expect(deployment.apiVersion).toBe('apps/v1');
    if (container.command) expect(Object.keys(pkg.bin)).toContain(container.command[0]);
    const args = container.args.map(String) as string[];
    expect(args[0]).toBe('worker');
    const values = checkCommand(args, 'workers.yaml');
    // Every $(VAR) it uses is defined.
    for (const a of args) for (const m of a.matchAll(/\$\((\w+)\)/g)) expect([...env.keys()], `$(${m[1]})`).toContain(m[1]);
    // The one positional is the Redis URL, without a password: that comes from the Secret through
    // SHOAL_REDIS_PASSWORD, so it is in no file and no process's arguments.
    expect(new URL(args[1]!).protocol).toBe('rediss:');
    expect(new URL(args[1]!).password).toBe('');
    expect(env.get('SHOAL_REDIS_PASSWORD').valueFrom.secretKeyRef).toBeDefined();
    expect(values.insecure).toBeUndefined();
  });

  test('the token comes from a Secret in the environment, never from args', () => {
    const token = env.get('SHOAL_TOKEN');
    expect(token.valueFrom.secretKeyRef.key).toBeTruthy();
    expect(token.value).toBeUndefined();
    for (const a of container.args as string[]) expect(a).not.toMatch(/TOKEN/);
  });

  test('--nthreads and --memory-limit match the container resources; the data server is reachable by peers', () => {
    const values = checkCommand(container.args.map(String), 'workers.yaml');
    const { requests, limits } = container.resources;
    expect(Number(values.nthreads)).toBe(Number(limits.cpu));
    expect(Number(requests.cpu)).toBe(Number(limits.cpu));
    expect(bytes(String(values['memory-limit']))).toBe(bytes(limits.memory));
    expect(requests.memory).toBe(limits.memory);
    // It binds (and so advertises) the pod's own IP, not loopback, on the declared port.
    const [host, port] = expand(String(values.listen)).split(':');
    expect(host).toBe('<POD_IP>');
    expect(env.get('POD_IP').valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(container.ports.map((p: any) => p.containerPort)).toContain(Number(port));
    // Spilling goes to a mounted volume; the pod does not run as root.
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toContain(values['local-directory']);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  test('only shoal pods may reach the data port', () => {
    const policy = docs.find((d) => d.kind === 'NetworkPolicy')!;
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(policy.spec.ingress[0].ports.map((p: any) => p.port)).toEqual(container.ports.map((p: any) => p.containerPort));
  });
});

test('every `shoal …` command line in the READMEs uses a real subcommand and real flags', () => {
  let seen = 0;
  for (const file of ['README.md', 'deploy/README.md']) {
    for (const m of read(file).matchAll(/^\s*(?:[A-Z_]+=\S+\s+)*shoal ((?:worker|broker)\b[^\n`#]*)/gm)) {
      const args = m[1]!.trim().split(/\s+/);
      checkCommand(args, `${file}: ${m[0].trim()}`);
      seen++;
    }
  }
  expect(seen).toBeGreaterThanOrEqual(4);
});
