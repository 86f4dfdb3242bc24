/**
 * A strict parser of the Prometheus text exposition format 0.0.4, written for the tests
 * from the format's specification: it throws on anything a Prometheus server would
 * reject (bad names, bad escapes, TYPE after samples, interleaved families, duplicate
 * series, histograms without +Inf or with decreasing buckets, missing final newline).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const finished = new Set<string>(); // families whose samples are over (no interleaving)
  let current: string | undefined;
  const seenSeries = new Set<string>();
  const lines = text.split('\n');
  lines.pop();

  const familyOf = (sampleName: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (sampleName.endsWith(suffix)) {
        const base = sampleName.slice(0, -suffix.length);
        const f = families.get(base);
        if (f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
      }
    }
    return sampleName;
  };
  const switchTo = (name: string, lineNo: number): void => {
    if (current === name) return;
    if (finished.has(name)) throw new Error(`line ${lineNo}: family ${name} appears in two separate groups`);
    if (current !== undefined) finished.add(current);
    current = name;
  };

  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (m === null) return; // ordinary comment
      const [, keyword, name, rest = ''] = m;
      if (!new RegExp(`${METRIC_NAME.source}$`).test(name!)) throw new Error(`line ${lineNo}: bad metric name ${name}`);
      switchTo(name!, lineNo);
      let f = families.get(name!);
      if (keyword === 'HELP') {
        if (f?.help !== undefined) throw new Error(`line ${lineNo}: second HELP for ${name}`);
        const help = unescape(rest, false, lineNo);
        if (f === undefined) families.set(name!, { name: name!, help, type: 'untyped', samples: [] });
        else f.help = help;
      } else {
        const type = rest.trim();
        if (!TYPES.has(type)) throw new Error(`line ${lineNo}: unknown type ${type}`);
        if (f !== undefined && (f.samples.length > 0 || (f as { typed?: boolean }).typed)) {
          throw new Error(`line ${lineNo}: TYPE for ${name} after its samples or repeated`);
        }
        if (f === undefined) {
          f = { name: name!, type: type as Family['type'], samples: [] };
          families.set(name!, f);
        } else f.type = type as Family['type'];
        (f as { typed?: boolean }).typed = true;
      }
      return;
    }
    const sample = parseSample(line, lineNo);
    const base = familyOf(sample.name);
    switchTo(base, lineNo);
    let f = families.get(base);
    if (f === undefined) {
      f = { name: base, type: 'untyped', samples: [] };
      families.set(base, f);
    }
    if (f.type === 'histogram' && sample.name === `${base}_bucket` && sample.labels.le === undefined) {
      throw new Error(`line ${lineNo}: histogram bucket without le`);
    }
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort());
    if (seenSeries.has(key)) throw new Error(`line ${lineNo}: duplicate series ${key}`);
    seenSeries.add(key);
    f.samples.push(sample);
  });

  for (const f of families.values()) {
    delete (f as { typed?: boolean }).typed;
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

function parseSample(line: string, lineNo: number): Sample {
  const nameMatch = METRIC_NAME.exec(line);
  if (nameMatch === null) throw new Error(`line ${lineNo}: bad sample name in ${JSON.stringify(line)}`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const ln = LABEL_NAME.exec(line.slice(pos));
      if (ln === null) throw new Error(`line ${lineNo}: bad label name at ${pos}`);
      pos += ln[0].length;
      if (line[pos] !== '=' || line[pos + 1] !== '"') throw new Error(`line ${lineNo}: expected ="`);
      pos += 2;
      let raw = '';
      while (line[pos] !== '"') {
        if (pos >= line.length) throw new Error(`line ${lineNo}: unterminated label value`);
        if (line[pos] === '\\') {
          raw += line.slice(pos, pos + 2);
          pos += 2;
        } else raw += line[pos++];
      }
      pos++;
      if (ln[0] in labels) throw new Error(`line ${lineNo}: repeated label ${ln[0]}`);
      labels[ln[0]] = unescape(raw, true, lineNo);
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`line ${lineNo}: expected , or } at ${pos}`);
    }
    pos++;
  }
  const rest = line.slice(pos);
  const m = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest);
  if (m === null) throw new Error(`line ${lineNo}: bad value part ${JSON.stringify(rest)}`);
  return { name, labels, value: parseValue(m[1]!, lineNo) };
}

function parseValue(s: string, lineNo: number): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`line ${lineNo}: bad number ${s}`);
  return Number(s);
}

function unescape(s: string, labelValue: boolean, lineNo: number): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && labelValue) return '"';
    throw new Error(`line ${lineNo}: invalid escape \\${c}`);
  });
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) g.buckets.push([parseValue(le!, 0), s.value]);
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else throw new Error(`histogram ${f.name} has a stray sample ${s.name}`);
  }
  for (const [key, g] of groups) {
    if (g.sum === undefined || g.count === undefined) throw new Error(`histogram ${f.name}${key} lacks _sum or _count`);
    const last = g.buckets[g.buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) throw new Error(`histogram ${f.name}${key} lacks le="+Inf" as its last bucket`);
    if (last[1] !== g.count) throw new Error(`histogram ${f.name}${key}: +Inf bucket ${last[1]} != count ${g.count}`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new Error(`histogram ${f.name}${key}: le not increasing`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new Error(`histogram ${f.name}${key}: buckets not cumulative`);
    }
  }
}
