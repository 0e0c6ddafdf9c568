// One IRC line, parsed and formatted: https://modern.ircdocs.horse/#messages and the
// message-tags escaping of https://ircv3.net/specs/extensions/message-tags

export interface IrcMessage {
  tags: Map<string, string>;
  /** nick!user@host or a server name; empty when the line had none. */
  source: string;
  /** Upper-cased verb or three-digit numeric. */
  command: string;
  params: string[];
}

const unescapes: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

function unescapeTag(value: string): string {
  return value.replace(/\\(.?)/g, (_, c: string) => (c === '' ? '' : (unescapes[c] ?? c)));
}

function escapeTag(value: string): string {
  return value.replace(/[;\s\\]/g, c =>
    c === ';' ? '\\:' : c === ' ' ? '\\s' : c === '\\' ? '\\\\' : c === '\r' ? '\\r' : c === '\n' ? '\\n' : c);
}

/** Parses one line (without CR LF). Returns null for an empty or malformed line. */
export function parse(line: string): IrcMessage | null {
  let rest = line.replace(/[\r\n]+$/, '');
  const tags = new Map<string, string>();
  if (rest.startsWith('@')) {
    const end = rest.indexOf(' ');
    if (end < 0) return null;
    for (const part of rest.slice(1, end).split(';')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) tags.set(part, '');
      else tags.set(part.slice(0, eq), unescapeTag(part.slice(eq + 1)));
    }
    rest = rest.slice(end + 1).trimStart();
  }
  let source = '';
  if (rest.startsWith(':')) {
    const end = rest.indexOf(' ');
    if (end < 0) return null;
    source = rest.slice(1, end);
    rest = rest.slice(end + 1).trimStart();
  }
  const params: string[] = [];
  let command = '';
  while (rest.length > 0) {
    if (command !== '' && rest.startsWith(':')) {
      params.push(rest.slice(1));
      break;
    }
    const end = rest.indexOf(' ');
    const word = end < 0 ? rest : rest.slice(0, end);
    if (command === '') command = word.toUpperCase();
    else params.push(word);
    rest = end < 0 ? '' : rest.slice(end + 1).replace(/^ +/, '');
  }
  return command === '' ? null : { tags, source, command, params };
}

/**
 * Formats a line to send. The last parameter gets a colon when it needs one (empty, has a
 * space, or starts with a colon); the others must not contain spaces.
 */
export function format(command: string, params: readonly string[] = [], tags?: ReadonlyMap<string, string>): string {
  let line = '';
  if (tags && tags.size > 0) {
    line = '@' + [...tags].map(([k, v]) => (v === '' ? k : `${k}=${escapeTag(v)}`)).join(';') + ' ';
  }
  line += command;
  params.forEach((p, i) => {
    const clean = p.replace(/[\r\n\0]/g, ' ');
    const last = i === params.length - 1;
    line += last && (clean === '' || clean.includes(' ') || clean.startsWith(':')) ? ' :' + clean : ' ' + clean;
  });
  return line;
}

/** The nick of a nick!user@host source. */
export function nickOf(source: string): string {
  const bang = source.indexOf('!');
  return bang < 0 ? source : source.slice(0, bang);
}

/** rfc1459 casemapping, the one Parley announces (CASEMAPPING=rfc1459) unless told otherwise. */
export function fold(name: string, mapping = 'rfc1459'): string {
  let lower = name.toLowerCase();
  if (mapping === 'rfc1459' || mapping === 'rfc1459-strict') {
    lower = lower.replace(/[[\]\\^]/g, c =>
      c === '[' ? '{' : c === ']' ? '}' : c === '\\' ? '|' : c === '^' && mapping === 'rfc1459' ? '~' : c);
  }
  return lower;
}
