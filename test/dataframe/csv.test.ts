/**
 * CSV reading: the fast byte tokenizer against papaparse (the reference path) on a corpus of
 * dialect cases, block-size independence, schema inference and enforcement, column pruning, and
 * malformed input with the exact error messages.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { readCsv } from '../../src/index.ts';
import { tempDir } from '../helpers.ts';
import { rows, writeFiles } from './helpers.ts';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const CORPUS: Record<string, string> = {
  'plain.csv': 'a,b,c\n1,x,2.5\n2,y,-3\n3,z,1e3\n',
  'quotes.csv': 'id,text,v\n1,"hello, world",1.5\n2,"say ""hi""",2\n3,"",3\n4,plain,4\n',
  'crlf.csv': 'id,name,v\r\n1,Ann,0.1\r\n2,Bo,0.2\r\n',
  'bom.csv': '\ufeffid,name\n1,Ann\n2,Bo\n',
  'nulls.csv': 'i,f,s\n1,,a\n,2.5,NA\n3,NaN,\n4,1,null\n',
  'numbers.csv': 'x,y\n0.1234567890123456789,12345678901234567890\n-0,+5\n.5,1.\n1E-3,-2.5e+2\n',
  'unicode.csv': 'city,n\nZürich,1\n東京,2\nSão Paulo,3\nZürich,4\n',
  'bools.csv': 'k,flag\n1,true\n2,False\n3,TRUE\n',
  'dates.csv': 'd,v\n2012-01-01,1\n2012-01-02T10:30:00,2\n2012-01-03 23:59:59.250,3\n2012-01-04T00:00:00Z,4\n',
  'blank-lines.csv': 'a,b\n1,2\n\n3,4\n\r\n5,6',
  'no-trailing-newline.csv': 'a,b\n1,2\n3,4',
  'quoted-newline.csv': 'id,text\n1,"line one\nline two"\n2,"x"\n',
  'semicolon.csv': 'a;b\n1;"x;y"\n2;z\n',
};

describe('fast tokenizer vs papaparse', () => {
  const paths = Object.fromEntries(Object.keys(CORPUS).map((name, i) => [name, writeFiles(dir, { [name]: CORPUS[name]! })[i - i]!]));

  for (const name of Object.keys(CORPUS)) {
    test(`identical tables: ${name}`, async () => {
      const opts = { blocksize: null, delimiter: name.startsWith('semicolon') ? ';' : ',', parseDates: name === 'dates.csv' ? ['d'] : [] };
      const fast = await readCsv(paths[name]!, { ...opts, engine: 'fast' }).compute({ scheduler: 'sync' });
      const papa = await readCsv(paths[name]!, { ...opts, engine: 'papaparse' }).compute({ scheduler: 'sync' });
      expect(rows(fast)).toEqual(rows(papa));
      expect(fast.schema.fields.map((f) => String(f.type))).toEqual(papa.schema.fields.map((f) => String(f.type)));
      expect(fast.numRows).toBeGreaterThan(0);
    });
  }

  test('hand-checked values of the dialect cases', async () => {
    const q = rows(await readCsv(paths['quotes.csv']!, { blocksize: null }).compute({ scheduler: 'sync' }));
    expect(q.map((r) => r.text)).toEqual(['hello, world', 'say "hi"', null, 'plain']);
    const n = rows(await readCsv(paths['nulls.csv']!).compute({ scheduler: 'sync' }));
    expect(n).toEqual([
      { i: 1, f: null, s: 'a' },
      { i: null, f: 2.5, s: null },
      { i: 3, f: null, s: null },
      { i: 4, f: 1, s: null },
    ]);
    const num = rows(await readCsv(paths['numbers.csv']!).compute({ scheduler: 'sync' }));
    expect(num.map((r) => r.x)).toEqual([0.1234567890123456789, -0, 0.5, 0.001]);
    expect(num.map((r) => r.y)).toEqual([12345678901234567890, 5, 1, -250]);
    const d = rows(await readCsv(paths['dates.csv']!, { parseDates: ['d'] }).compute({ scheduler: 'sync' }));
    expect(d.map((r) => r.d)).toEqual([Date.UTC(2012, 0, 1), Date.UTC(2012, 0, 2, 10, 30), Date.UTC(2012, 0, 3, 23, 59, 59, 250), Date.UTC(2012, 0, 4)]);
    const b = rows(await readCsv(paths['bom.csv']!).compute({ scheduler: 'sync' }));
    expect(Object.keys(b[0]!)).toEqual(['id', 'name']);
    const bl = rows(await readCsv(paths['blank-lines.csv']!).compute({ scheduler: 'sync' }));
    expect(bl).toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }]);
    const qn = rows(await readCsv(paths['quoted-newline.csv']!, { blocksize: null }).compute({ scheduler: 'sync' }));
    expect(qn[0]!.text).toBe('line one\nline two');
    const dt = readCsv(paths['bools.csv']!).dtypeOf;
    expect(dt).toEqual({ k: 'int32', flag: 'bool' });
  });
});

/** Random CSV text from rows of ints, floats and names (some quoted, some null). */
const rowArb = fc.tuple(
  fc.integer({ min: -1000, max: 1000 }),
  fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => Math.round(x * 1000) / 1000), fc.constant(null)),
  fc.constantFrom('Alice', 'Bob', '"Smith, J"', 'Zoë', ''),
);

describe('block size never changes the result', () => {
  test('property: any blocksize gives the rows of one block, on every path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 8, max: 200 }), fc.boolean(), async (rs, blocksize, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const text = 'i,f,s' + nl + rs.map(([i, f, s]) => `${i},${f ?? ''},${s}`).join(nl) + nl;
        const [p] = writeFiles(dir, { 'prop.csv': text });
        const whole = rows(await readCsv(p!, { blocksize: null, dtypes: { f: 'float64', s: 'string' } }).compute({ scheduler: 'sync' }));
        const cut = readCsv(p!, { blocksize, dtypes: { f: 'float64', s: 'string' } });
        expect(rows(await cut.compute({ scheduler: 'sync' }))).toEqual(whole);
        expect(rows(await readCsv(p!, { blocksize, engine: 'papaparse', dtypes: { f: 'float64', s: 'string' } }).compute({ scheduler: 'sync' }))).toEqual(whole);
        // Independent reference: the rows as written.
        expect(whole.map((r) => r.i)).toEqual(rs.map((r) => r[0]));
        expect(whole.map((r) => r.f)).toEqual(rs.map((r) => (r[1] === null ? null : r[1] + 0)));
        expect(whole.map((r) => r.s)).toEqual(rs.map((r) => (r[2] === '' ? null : r[2].replace(/^"|"$/g, ''))));
      }),
      { numRuns: 25 },
    );
  });
});

describe('schema: inference, enforcement, pruning', () => {
  test('a later value that does not fit the inferred dtype names file:line, column, value and the fix', async () => {
    const body = Array.from({ length: 50 }, (_, i) => `${i},${i}`).join('\n');
    const [p] = writeFiles(dir, { 'late.csv': `a,b\n${body}\n50,oops\n` });
    const df = readCsv(p!, { sample: 200 });
    expect(df.dtypeOf.b).toBe('int32');
    await expect(df.compute({ scheduler: 'sync' })).rejects.toThrow(
      `${p}:52: column "b" was inferred from the first 200 bytes as dtype int32, but the value "oops" does not fit. Fix: pass dtypes: { "b": 'string' } to readCsv (or a larger sample)`,
    );
    // The same through papaparse.
    await expect(readCsv(p!, { sample: 200, engine: 'papaparse' }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:52: column "b"`);
    // On a worker thread the error arrives as a TaskError carrying the same message.
    await expect(df.compute({ scheduler: 'threads' })).rejects.toThrow(`${p}:52: column "b"`);
    // The fix works.
    const fixed = await readCsv(p!, { sample: 200, dtypes: { b: 'string' } }).compute({ scheduler: 'sync' });
    expect(fixed.numRows).toBe(51);
  });

  test('an int column meeting a decimal suggests float64', async () => {
    const [p] = writeFiles(dir, { 'intfloat.csv': `a\n1\n2\n2.5\n` });
    await expect(readCsv(p!, { dtypes: { a: 'int32' } }).compute({ scheduler: 'sync' })).rejects.toThrow(
      `${p}:4: column "a" was given dtype int32, but the value "2.5" does not fit. Fix: pass dtypes: { "a": 'float64' } to readCsv`,
    );
  });

  test('columns a query does not use are never parsed (a bad value there does not matter)', async () => {
    const [p] = writeFiles(dir, { 'prune.csv': 'x,y\n1,1\n2,2\n3,bad\n' });
    const df = readCsv(p!, { dtypes: { y: 'int32' } });
    expect(await df.col('x').sum().compute({ scheduler: 'sync' })).toBe(6);
    await expect(df.col('y').sum().compute({ scheduler: 'sync' })).rejects.toThrow('"bad"');
  });

  test('columns option, includePathColumn, header: false, unknown columns and options', async () => {
    const [p] = writeFiles(dir, { 'opts.csv': 'a,b,c\n1,2,3\n4,5,6\n' });
    expect(readCsv(p!, { columns: ['c', 'a'] }).columns).toEqual(['c', 'a']);
    expect(rows(await readCsv(p!, { columns: ['c', 'a'] }).compute({ scheduler: 'sync' }))).toEqual([{ c: 3, a: 1 }, { c: 6, a: 4 }]);
    const withPath = rows(await readCsv(p!, { includePathColumn: true }).compute({ scheduler: 'sync' }));
    expect(withPath[1]).toEqual({ a: 4, b: 5, c: 6, path: p });
    const [q] = writeFiles(dir, { 'nohead.csv': '1,2\n3,4\n' });
    expect(rows(await readCsv(q!, { header: false }).compute({ scheduler: 'sync' }))).toEqual([{ 0: 1, 1: 2 }, { 0: 3, 1: 4 }]);
    expect(() => readCsv(p!, { columns: ['zz'] })).toThrow(`readCsv columns: no column named "zz"; the columns are "a", "b", "c"`);
    expect(() => readCsv(p!, { dtypes: { a: 'int64' as never } })).toThrow(`dtype "int64" for column "a" is not supported`);
    expect(() => readCsv(p!, { blocksiz: 5 } as never)).toThrow("readCsv: unknown option 'blocksiz' (did you mean 'blocksize'?)");
    expect(() => readCsv(`${dir}/nothing-*.csv`)).toThrow('matched no files');
  });
});

describe('malformed CSV', () => {
  test('wrong field counts: error with file:line, skip, warn', async () => {
    const [p] = writeFiles(dir, { 'fields.csv': 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n' });
    await expect(readCsv(p!).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:3: expected 3 fields, found 2; fix the line, or pass onBadLines: 'skip' (or 'warn') to readCsv`);
    await expect(readCsv(p!, { engine: 'papaparse' }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:3: expected 3 fields, found 2`);
    const skipped = rows(await readCsv(p!, { onBadLines: 'skip' }).compute({ scheduler: 'sync' }));
    expect(skipped).toEqual([{ a: 1, b: 2, c: 3 }, { a: 10, b: 11, c: 12 }]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const warned = rows(await readCsv(p!, { onBadLines: 'warn' }).compute({ scheduler: 'sync' }));
    expect(warned).toEqual(skipped);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([`${p}:3: expected 3 fields, found 2; fix the line, or pass onBadLines: 'skip' (or 'warn') to readCsv (skipped)`, `${p}:4: expected 3 fields, found 4; fix the line, or pass onBadLines: 'skip' (or 'warn') to readCsv (skipped)`]);
    warn.mockRestore();
  });

  test('line numbers count quoted newlines and are right in later blocks', async () => {
    const lines = ['a,b', '1,"x\ny"', ...Array.from({ length: 30 }, (_, i) => `${i},z`), '99'];
    const [p] = writeFiles(dir, { 'late-bad.csv': lines.join('\n') + '\n' });
    await expect(readCsv(p!, { blocksize: null }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:34: expected 2 fields, found 1`);
    await expect(readCsv(p!, { blocksize: 40 }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:34: expected 2 fields, found 1`);
  });

  test('bad numbers, unterminated quotes, text after a closing quote', async () => {
    const [p, q, r] = writeFiles(dir, { 'badnum.csv': 'x\n1.5\n2.5\n', 'unterminated.csv': 'a,b\n1,"open\n', 'afterquote.csv': 'a,b\n1,"x"y\n' });
    await expect(readCsv(p!, { dtypes: { x: 'float64' } }).compute({ scheduler: 'sync' })).resolves.toBeDefined();
    writeFiles(dir, { 'badnum.csv': 'x\n1.5\n2.5x\n' });
    await expect(readCsv(p!, { dtypes: { x: 'float64' } }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:3: column "x" was given dtype float64, but the value "2.5x" does not fit`);
    await expect(readCsv(q!, { blocksize: null }).compute({ scheduler: 'sync' })).rejects.toThrow(`${q}:2: a quoted field is not closed before the end of the block`);
    await expect(readCsv(r!).compute({ scheduler: 'sync' })).rejects.toThrow(`${r}:2: unexpected text after the closing quote of column "b"`);
  });

  test('empty files, header-only files, mismatched headers', async () => {
    const [e1, h, d2] = writeFiles(dir, { 'e-empty.csv': '', 'e-header.csv': 'a,b\n', 'e-data.csv': 'a,b\n1,2\n' });
    expect(() => readCsv(e1!)).toThrow('readCsv: all 1 file(s) are empty; there is no header to read the columns from');
    const ho = readCsv(h!);
    expect(ho.columns).toEqual(['a', 'b']);
    expect((await ho.compute({ scheduler: 'sync' })).numRows).toBe(0);
    // Empty and header-only files among others contribute no rows.
    const all = await readCsv([e1!, h!, d2!]).compute({ scheduler: 'sync' });
    expect(rows(all)).toEqual([{ a: 1, b: 2 }]);
    const [m] = writeFiles(dir, { 'e-other.csv': 'a,c\n1,2\n' });
    await expect(readCsv([d2!, m!]).compute({ scheduler: 'sync' })).rejects.toThrow(`${m}: the header "a,c" differs from the first file's "a,b"; every file must have the same columns`);
  });

  test('gzip files are read whole', async () => {
    const { gzipSync } = await import('node:zlib');
    const [g] = writeFiles(dir, { 'z.csv.gz': gzipSync('a,b\n1,x\n2,y\n') });
    expect(rows(await readCsv(g!, { blocksize: 4 }).compute({ scheduler: 'sync' }))).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  });
});

describe('streaming a block through a small buffer', () => {
  test('property: any piece size gives the same columns, with quoted newlines and CRLF', async () => {
    const { readCsvBlock } = await import('../../src/io/csv-read.ts');
    const { parseCsvBlock } = await import('../../src/io/csv-parse.ts');
    const { splitBlocks } = await import('../../src/io/blocks.ts');
    const { readFileSync } = await import('node:fs');
    const cellArb = fc.constantFrom('a', '"b\nc"', '"d,""e"""', 'fff', '', '"g\r\nh"');
    await fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), cellArb), { minLength: 1, maxLength: 40 }), fc.integer({ min: 4, max: 64 }), fc.boolean(), (rs, piece, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const text = 'n,s' + nl + rs.map(([n, s]) => `${n},${s}`).join(nl) + (rs.length % 2 ? nl : '');
        const [p] = writeFiles(dir, { 'stream.csv': text });
        const spec = { names: ['n', 's'], dtypes: ['int32', 'string'] as const, keep: ['n', 's'], delimiter: ',', nullValues: [''], header: true, onBadLines: 'error' as const };
        const whole = parseCsvBlock(readFileSync(p!), { ...spec, dtypes: [...spec.dtypes] }, { path: p!, offset: 0 });
        const [block] = splitBlocks([p!], null);
        const streamed = readCsvBlock(block!, { ...spec, dtypes: [...spec.dtypes], pieceBytes: piece }, 'fast', ['n', 's']);
        const decode = (c: typeof whole) => Array.from({ length: c.length }, (_, i) => [c.columns[0]!.values[i], c.columns[1]!.valid?.[i] === 0 ? null : c.columns[1]!.dict![c.columns[1]!.values[i]!]]);
        expect(decode(streamed)).toEqual(decode(whole));
        expect(whole.length).toBe(rs.length);
      }),
      { numRuns: 40 },
    );
  });
});

describe('bytes that are not UTF-8 (issue 15)', () => {
  const latin1 = (s: string) => Buffer.from(s, 'latin1');
  const good = Array.from({ length: 40 }, (_, i) => `Bern,${i}`).join('\n');

  test('by default they fail, naming file:line:character, the column and the byte, on both engines and on workers', async () => {
    // 'ü' written as Latin-1 (0xfc) on line 42, past the 200 bytes sampled for dtypes.
    const [p] = writeFiles(dir, { 'latin1.csv': latin1(`city,n\n${good}\nZürich,5\nBern,6\n`) });
    const message = `${p}:42:2: column "city" holds byte 0xfc, which is not UTF-8 (is the file Latin-1 or damaged?). Fix: convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or pass encodingErrors: 'replace' to readCsv to read such bytes as U+FFFD`;
    for (const engine of ['fast', 'papaparse'] as const) {
      await expect(readCsv(p!, { sample: 200, engine }).compute({ scheduler: 'sync' })).rejects.toThrow(message);
      // Even when the query does not read that column: the file as a whole is not UTF-8 (as pandas decodes it whole).
      await expect(readCsv(p!, { sample: 200, engine }).col('n').sum().compute({ scheduler: 'sync' })).rejects.toThrow(message);
    }
    await expect(readCsv(p!, { sample: 200 }).compute({ scheduler: 'threads' })).rejects.toThrow(message);
    // Small pieces and blocks: the same line, whichever piece or block holds it.
    await expect(readCsv(p!, { sample: 200, blocksize: 64 }).compute({ scheduler: 'sync' })).rejects.toThrow(`${p}:42:2: column "city"`);
  });

  test('in the sampled bytes, readCsv itself fails (a bad header byte is named by column number)', () => {
    const [p, q] = writeFiles(dir, { 'early.csv': latin1('city,n\nBern,1\nGen\xe8ve,2\n'), 'head.csv': latin1('id,caf\xe9\n1,2\n') });
    expect(() => readCsv(p!)).toThrow(`${p}:3:4: column "city" holds byte 0xe8, which is not UTF-8`);
    expect(() => readCsv(q!)).toThrow(`${q}:1:7: column "#2" holds byte 0xe9, which is not UTF-8`);
    expect(() => readCsv(p!, { header: false })).toThrow(`${p}:3:4: column "0" holds byte 0xe8`);
  });

  test("quoted fields, CRLF, a multi-character delimiter (papaparse) and a cut sequence at the end of the file", async () => {
    const [a, b, c] = writeFiles(dir, {
      'quoted.csv': Buffer.concat([Buffer.from('id,text\r\n1,"ok, fine"\r\n2,"caf'), Buffer.from([0xc3]), Buffer.from('"\r\n')]),
      'multi.csv': Buffer.concat([Buffer.from('a;;b\n1;;x\n2;;'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]), // a UTF-16 surrogate in UTF-8 form
      'cut.csv': Buffer.concat([Buffer.from('a,b\n1,x\n2,'), Buffer.from([0xe2, 0x82])]),
    });
    await expect(readCsv(a!, { sample: 10 }).compute({ scheduler: 'sync' })).rejects.toThrow(`${a}:3:7: column "text" holds byte 0xc3`);
    await expect(readCsv(b!, { delimiter: ';;', sample: 10 }).compute({ scheduler: 'sync' })).rejects.toThrow(`${b}:3:4: byte 0xed, which is not UTF-8`);
    expect(() => readCsv(c!)).toThrow(`${c}:3:3: column "b" holds byte 0xe2`);
  });

  test("encodingErrors: 'replace' reads them as U+FFFD, the same table on both engines", async () => {
    const [p] = writeFiles(dir, { 'replace.csv': Buffer.concat([latin1(`city,n\n${good}\nZürich,5\n"Gen`), Buffer.from([0xe8, 0x80, 0xff]), Buffer.from('ve",6\n')]) });
    const fast = await readCsv(p!, { sample: 200, encodingErrors: 'replace' }).compute({ scheduler: 'sync' });
    const papa = await readCsv(p!, { sample: 200, encodingErrors: 'replace', engine: 'papaparse' }).compute({ scheduler: 'sync' });
    expect(rows(fast)).toEqual(rows(papa));
    // What a WHATWG decoder makes of these bytes (an independent reference): one U+FFFD per bad sequence.
    const cities = rows(fast).map((r) => r.city);
    expect(cities.slice(-2)).toEqual([new TextDecoder().decode(latin1('Zürich')), new TextDecoder().decode(Buffer.concat([Buffer.from('Gen'), Buffer.from([0xe8, 0x80, 0xff]), Buffer.from('ve')]))]);
    expect(cities.at(-2)).toBe('Z\ufffdrich');
    expect(cities.at(-1)).toBe('Gen\ufffd\ufffdve');
    expect(() => readCsv(p!, { encodingErrors: 'ignore' as never })).toThrow(`invalid option encodingErrors="ignore": 'strict' or 'replace'`);
  });
});
