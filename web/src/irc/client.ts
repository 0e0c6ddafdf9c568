// The connection: a WebSocket speaking IRC (https://ircv3.net/specs/extensions/websocket,
// subprotocol text.ircv3.net, one line per frame), capability negotiation, SASL PLAIN or
// draft/account-registration, batches, and reconnecting with exponential backoff.
//
// It knows nothing of conversations: it hands whole lines (and whole chathistory batches) to
// its handler, which is the Store.

import { format, parse, type IrcMessage } from './message';

/** The capabilities the client asks for when the server offers them. */
export const WANTED_CAPS = [
  'account-notify', 'account-tag', 'away-notify', 'batch', 'cap-notify', 'chghost',
  'echo-message', 'extended-join', 'invite-notify', 'labeled-response', 'message-tags',
  'multi-prefix', 'sasl', 'server-time', 'setname', 'standard-replies',
  'draft/account-registration', 'draft/chathistory', 'draft/message-redaction', 'draft/read-marker',
];

export interface Credentials {
  account: string;
  password: string;
  /** Make the account (REGISTER) instead of logging in to it. */
  register?: boolean;
  email?: string;
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'registered' }
  | { kind: 'waiting'; attempt: number; until: number; reason: string }
  | { kind: 'failed'; reason: string };

export interface ClientHandler {
  state(state: ConnectionState): void;
  /** The connection is registered (001 and the end of the MOTD seen). `again` after a reconnect. */
  ready(nick: string, again: boolean): void;
  /** A live line (not part of a chathistory batch). */
  line(msg: IrcMessage): void;
  /** A closed chathistory batch: its target and its lines, oldest first. */
  history(target: string, lines: IrcMessage[]): void;
  /** A closed draft/chathistory-targets batch. */
  targets(list: { target: string; time: string }[]): void;
}

interface OpenBatch {
  type: string;
  params: string[];
  lines: IrcMessage[];
}

/** Backoff after the n-th failed attempt (n from 1): 1 s, 2 s, 4 s … 30 s, ±20 % jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class IrcClient {
  readonly caps = new Set<string>();
  readonly isupport = new Map<string, string>();
  nick = '';
  account = '';

  private ws: WebSocket | null = null;
  private creds: Credentials | null = null;
  private offered = new Map<string, string>();
  private batches = new Map<string, OpenBatch>();
  private attempt = 0;
  private registeredOnce = false;
  private registered = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private nickTries = 0;

  constructor(private readonly url: string, private readonly handler: ClientHandler) {}

  /** Starts (or restarts) with these credentials; failures of the login itself end it. */
  start(creds: Credentials): void {
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
    this.creds = creds;
    this.stopped = false;
    this.registeredOnce = false;
    this.attempt = 0;
    this.open();
  }

  /** Closes for good (log out). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      this.sendRaw(format('QUIT', ['Logged out']));
      this.ws.close(1000);
    }
    this.ws = null;
    this.handler.state({ kind: 'idle' });
  }

  /** Reconnects now rather than at the end of the backoff wait. */
  retryNow(): void {
    if (!this.stopped && !this.ws) {
      clearTimeout(this.timer);
      this.open();
    }
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  send(command: string, ...params: string[]): void {
    this.sendRaw(format(command, params));
  }

  /** Sends a line as typed (/quote). */
  sendLine(line: string): void {
    this.sendRaw(line.replace(/[\r\n]/g, ' '));
  }

  private sendRaw(line: string): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(line);
  }

  private open(): void {
    this.attempt++;
    this.handler.state({ kind: 'connecting', attempt: this.attempt });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, ['text.ircv3.net']);
    } catch (e) {
      this.fail(`Cannot open ${this.url}: ${String(e)}`);
      return;
    }
    this.ws = ws;
    this.caps.clear();
    this.offered.clear();
    this.batches.clear();
    this.registered = false;
    this.nickTries = 0;
    let closeReason = '';
    ws.onopen = () => {
      const c = this.creds!;
      this.nick = c.account;
      this.sendRaw('CAP LS 302');
      this.send('NICK', c.account);
      this.send('USER', c.account, '0', '*', c.account);
    };
    ws.onmessage = ev => {
      if (typeof ev.data !== 'string') return;
      for (const raw of ev.data.split(/\r?\n/)) {
        const msg = raw === '' ? null : parse(raw);
        if (msg) {
          if (msg.command === 'ERROR') closeReason = msg.params[0] ?? '';
          this.receive(msg);
        }
      }
    };
    ws.onclose = ev => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.registered = false;
      if (this.stopped) return;
      const reason = closeReason || ev.reason || (ev.code === 1006 ? 'connection lost' : `closed (${ev.code})`);
      if (!this.registeredOnce) {
        // The first login did not get through: say so on the form rather than retry unseen.
        this.fail(`Cannot connect to the server: ${reason}`);
        return;
      }
      const wait = backoffMs(this.attempt);
      this.handler.state({ kind: 'waiting', attempt: this.attempt, until: Date.now() + wait, reason });
      this.timer = setTimeout(() => this.open(), wait);
    };
  }

  private fail(reason: string): void {
    this.stopped = true;
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
    this.handler.state({ kind: 'failed', reason });
  }

  private receive(msg: IrcMessage): void {
    const batchRef = msg.tags.get('batch');
    if (batchRef !== undefined && msg.command !== 'BATCH') {
      const open = this.batches.get(batchRef);
      if (open && (open.type === 'chathistory' || open.type === 'draft/chathistory-targets')) {
        open.lines.push(msg);
        return;
      }
    }
    switch (msg.command) {
      case 'PING':
        this.send('PONG', ...msg.params);
        return;
      case 'CAP':
        this.onCap(msg);
        return;
      case 'AUTHENTICATE':
        if (msg.params[0] === '+') {
          const c = this.creds!;
          const bytes = new TextEncoder().encode(`${c.account}\0${c.account}\0${c.password}`);
          let bin = '';
          bytes.forEach(b => (bin += String.fromCharCode(b)));
          const b64 = btoa(bin);
          // AUTHENTICATE payloads go in chunks of 400 bytes, with a final "+" if the last was full.
          for (let i = 0; i < b64.length; i += 400) this.send('AUTHENTICATE', b64.slice(i, i + 400));
          if (b64.length % 400 === 0) this.send('AUTHENTICATE', '+');
        }
        return;
      case '900': // RPL_LOGGEDIN <nick> <nick!user@host> <account> :text
        this.account = msg.params[2] ?? this.account;
        break;
      case '903': // RPL_SASLSUCCESS
        if (!this.registered) this.sendRaw('CAP END');
        break;
      case '902': case '904': case '905': case '906': case '908':
        if (!this.registered) this.failLogin(msg.params[msg.params.length - 1] ?? 'Login failed');
        return;
      case 'REGISTER':
        if (msg.params[0] === 'SUCCESS') {
          this.account = msg.params[1] ?? this.account;
          if (!this.registered) this.sendRaw('CAP END');
        } else if (msg.params[0] === 'VERIFICATION_REQUIRED') {
          this.failLogin(msg.params[msg.params.length - 1] ?? 'The account needs verifying');
        }
        break;
      case 'FAIL':
        if (!this.registered && (msg.params[0] === 'REGISTER' || msg.params[0] === 'NICK')) {
          this.failLogin(msg.params[msg.params.length - 1] ?? 'Registration failed');
          return;
        }
        break;
      case '433': // ERR_NICKNAMEINUSE: before registration, another nick (another device has ours)
      case '432':
        if (!this.registered) {
          this.nickTries++;
          const base = this.creds!.account;
          const next = this.nickTries <= 2 ? base + '_'.repeat(this.nickTries) : base + Math.floor(Math.random() * 1000);
          this.nick = next;
          this.send('NICK', next);
          return;
        }
        break;
      case '001':
        this.nick = msg.params[0] ?? this.nick;
        break;
      case '005':
        for (const token of msg.params.slice(1, -1)) {
          const eq = token.indexOf('=');
          if (token.startsWith('-')) this.isupport.delete(token.slice(1));
          else if (eq < 0) this.isupport.set(token.toUpperCase(), '');
          else this.isupport.set(token.slice(0, eq).toUpperCase(), token.slice(eq + 1));
        }
        break;
      case '376': // RPL_ENDOFMOTD
      case '422': // ERR_NOMOTD
        if (!this.registered) {
          this.registered = true;
          const again = this.registeredOnce;
          this.registeredOnce = true;
          this.attempt = 0;
          this.handler.state({ kind: 'registered' });
          this.handler.ready(this.nick, again);
        }
        break;
      case 'NICK':
        if (msg.source.split('!')[0] === this.nick) this.nick = msg.params[0] ?? this.nick;
        break;
      case 'BATCH':
        this.onBatch(msg);
        return;
    }
    this.handler.line(msg);
  }

  private failLogin(reason: string): void {
    this.fail(reason);
  }

  private onCap(msg: IrcMessage): void {
    const sub = msg.params[1]?.toUpperCase();
    const more = msg.params[2] === '*';
    const list = msg.params[msg.params.length - 1] ?? '';
    if (sub === 'LS' || sub === 'NEW') {
      for (const item of list.split(' ').filter(Boolean)) {
        const eq = item.indexOf('=');
        this.offered.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
      }
      if (more) return;
      const want = WANTED_CAPS.filter(c => this.offered.has(c) && !this.caps.has(c));
      if (want.length > 0) this.send('CAP', 'REQ', want.join(' '));
      else if (sub === 'LS') this.authenticate();
    } else if (sub === 'ACK') {
      for (const c of list.split(' ').filter(Boolean)) {
        if (c.startsWith('-')) this.caps.delete(c.slice(1));
        else this.caps.add(c);
      }
      if (!this.registered) this.authenticate();
    } else if (sub === 'NAK') {
      if (!this.registered) this.authenticate();
    } else if (sub === 'DEL') {
      for (const c of list.split(' ').filter(Boolean)) this.caps.delete(c);
    }
  }

  /** After capability negotiation: REGISTER or SASL PLAIN, then CAP END on success. */
  private authenticate(): void {
    const c = this.creds!;
    if (c.register) {
      if (!this.caps.has('draft/account-registration')) {
        this.failLogin('This server does not let clients register accounts');
        return;
      }
      const value = this.offered.get('draft/account-registration') ?? '';
      if (value.includes('email-required') && !c.email) {
        this.failLogin('This server needs an e-mail address to register');
        return;
      }
      this.send('REGISTER', c.account, c.email || '*', c.password);
      // Only once: a reconnect after registering logs in.
      c.register = false;
      return;
    }
    if (!this.caps.has('sasl')) {
      this.failLogin('This server does not offer SASL');
      return;
    }
    this.send('AUTHENTICATE', 'PLAIN');
  }

  private onBatch(msg: IrcMessage): void {
    const ref = msg.params[0] ?? '';
    if (ref.startsWith('+')) {
      this.batches.set(ref.slice(1), { type: msg.params[1] ?? '', params: msg.params.slice(2), lines: [] });
      return;
    }
    const open = this.batches.get(ref.slice(1));
    this.batches.delete(ref.slice(1));
    if (!open) return;
    if (open.type === 'chathistory') {
      this.handler.history(open.params[0] ?? '', open.lines);
    } else if (open.type === 'draft/chathistory-targets') {
      this.handler.targets(open.lines
        .filter(l => l.command === 'CHATHISTORY' && l.params[0] === 'TARGETS')
        .map(l => ({ target: l.params[1] ?? '', time: (l.params[2] ?? '').replace(/^timestamp=/, '') })));
    }
  }
}
