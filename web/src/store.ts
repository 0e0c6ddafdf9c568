// The client's model: conversations (channels, direct conversations and the server's own
// messages), their lines, members, topics, read markers and unread counts, and the lookup
// panel. It turns IRC lines from the connection into that model and user actions into IRC
// commands. The view subscribes and re-renders on every change.

import { IrcClient, type ConnectionState, type Credentials } from './irc/client';
import { fold, nickOf, type IrcMessage } from './irc/message';

export type LineKind = 'message' | 'notice' | 'action' | 'event' | 'error';

export interface Line {
  /** Unique within the conversation: the msgid when there is one. */
  key: string;
  msgid?: string;
  /** ISO 8601 UTC with milliseconds, as server-time gives it; compared as a string. */
  time: string;
  kind: LineKind;
  nick: string;
  text: string;
  self: boolean;
  redacted?: boolean;
  highlight?: boolean;
}

export interface Member {
  nick: string;
  /** Membership prefixes, highest first (multi-prefix), e.g. "@+". */
  prefixes: string;
  away: boolean;
}

export type ConversationType = 'server' | 'channel' | 'direct';

export interface Conversation {
  key: string;
  name: string;
  type: ConversationType;
  lines: Line[];
  ids: Set<string>;
  members: Map<string, Member>;
  topic: string;
  /** For channels: we are in it. */
  joined: boolean;
  /** The read marker (draft/read-marker): read up to this time; null when none is known. */
  marker: string | null;
  unread: number;
  highlight: boolean;
  /** Scroll-back reached the start of the stored history. */
  complete: boolean;
  loadingOlder: boolean;
}

export interface Lookup {
  nick: string;
  loading: boolean;
  online: boolean;
  user?: string;
  host?: string;
  realname?: string;
  server?: string;
  away?: string;
  account?: string;
  idleSeconds?: number;
  signon?: number;
  channels?: string;
}

type HistoryRequest = 'latest' | 'before' | 'after';

const SERVER_KEY = '*server*';
const PAGE = 50;
const now = () => new Date().toISOString();

export class Store {
  readonly client: IrcClient;
  conversations = new Map<string, Conversation>();
  active = SERVER_KEY;
  connection: ConnectionState = { kind: 'idle' };
  nick = '';
  account = '';
  /** Logged in once since the last login form: the chat view shows, also while reconnecting. */
  loggedIn = false;
  lookup: Lookup | null = null;
  /** The channel list panel (LIST): null when closed; loading until RPL_LISTEND. */
  channelList: { loading: boolean; channels: { name: string; users: number; topic: string }[] } | null = null;
  /** Bumped on every change; the view re-renders when it moves. */
  version = 0;
  /** Set when the composer should take a line back for editing (Up). */
  editing: { conversation: string; msgid: string } | null = null;

  private listeners = new Set<() => void>();
  private pendingHistory = new Map<string, HistoryRequest[]>();
  private names = new Map<string, Map<string, Member>>();
  private joinRequested = new Set<string>();
  private localSeq = 0;
  /** Until the first channel arrives after a login, it is opened (the server window is no place to start). */
  private openFirstChannel = true;
  /**
   * A new device (no channels remembered here) whose account is also connected elsewhere under
   * the account's own nick: that session's channels (WHOIS), joined once we know the account matches.
   */
  private discovery: { nick: string; channels: string[]; sameAccount: boolean } | null = null;
  private scheduled = false;

  constructor(url: string, private readonly notify: (title: string, body: string, conversation: string) => void) {
    this.client = new IrcClient(url, {
      state: s => this.onState(s),
      ready: (nick, again) => this.onReady(nick, again),
      line: m => this.onLine(m),
      history: (target, lines) => this.onHistory(target, lines),
      targets: list => this.onTargets(list),
    });
    this.conversations.set(SERVER_KEY, this.makeConversation(SERVER_KEY, 'Server', 'server'));
  }

  // --- subscription ----------------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    });
  }

  // --- queries for the view --------------------------------------------------------------

  get activeConversation(): Conversation {
    return this.conversations.get(this.active) ?? this.conversations.get(SERVER_KEY)!;
  }

  /** Channels, then direct conversations, each by name: the side list's order (Alt+1…9). */
  get ordered(): Conversation[] {
    const all = [...this.conversations.values()].filter(c => c.type !== 'server');
    const byName = (a: Conversation, b: Conversation) => a.key.localeCompare(b.key);
    return [...all.filter(c => c.type === 'channel').sort(byName), ...all.filter(c => c.type === 'direct').sort(byName)];
  }

  get serverConversation(): Conversation {
    return this.conversations.get(SERVER_KEY)!;
  }

  get totalUnread(): number {
    let n = 0;
    for (const c of this.conversations.values()) n += c.unread;
    return n;
  }

  get prefixModes(): { modes: string; symbols: string } {
    const m = /^\(([^)]*)\)(.*)$/.exec(this.client.isupport.get('PREFIX') ?? '(ov)@+');
    return m ? { modes: m[1]!, symbols: m[2]! } : { modes: 'ov', symbols: '@+' };
  }

  get canRedact(): boolean {
    return this.client.caps.has('draft/message-redaction');
  }

  isChannel(name: string): boolean {
    const types = this.client.isupport.get('CHANTYPES') ?? '#&';
    return name.length > 0 && types.includes(name[0]!);
  }

  fold(name: string): string {
    return fold(name, this.client.isupport.get('CASEMAPPING') ?? 'rfc1459');
  }

  // --- actions ---------------------------------------------------------------------------

  login(creds: Credentials): void {
    this.account = creds.account;
    this.openFirstChannel = true;
    this.client.start(creds);
  }

  logout(): void {
    this.loggedIn = false;
    this.nick = '';
    this.client.stop();
    this.conversations.clear();
    this.conversations.set(SERVER_KEY, this.makeConversation(SERVER_KEY, 'Server', 'server'));
    this.active = SERVER_KEY;
    this.lookup = null;
    this.changed();
  }

  select(key: string): void {
    if (!this.conversations.has(key)) return;
    this.active = key;
    this.editing = null;
    const c = this.conversations.get(key)!;
    c.highlight = false;
    this.markRead();
    this.changed();
  }

  /** Opens (or creates) the direct conversation with a nick and selects it. */
  openDirect(nick: string): void {
    const c = this.ensure(nick, 'direct');
    if (c.lines.length === 0 && this.client.isRegistered) {
      this.requestHistory(c, 'latest');
      this.client.send('MARKREAD', c.name);
    }
    this.select(c.key);
  }

  join(channel: string, key?: string): void {
    if (!this.isChannel(channel)) channel = '#' + channel;
    this.joinRequested.add(this.fold(channel));
    if (key) this.client.send('JOIN', channel, key);
    else this.client.send('JOIN', channel);
  }

  part(channel: string, reason = ''): void {
    this.client.send('PART', channel, ...(reason ? [reason] : []));
  }

  /** Closes a conversation: leaves a channel, forgets a direct conversation in this view. */
  close(key: string): void {
    const c = this.conversations.get(key);
    if (!c || c.type === 'server') return;
    if (c.type === 'channel' && c.joined) this.part(c.name);
    this.conversations.delete(key);
    if (c.type === 'channel') this.saveChannels();
    if (this.active === key) this.active = this.ordered[0]?.key ?? SERVER_KEY;
    this.changed();
  }

  setTopic(channel: string, topic: string): void {
    this.client.send('TOPIC', channel, topic);
  }

  whois(nick: string): void {
    this.channelList = null;
    this.lookup = { nick, loading: true, online: false };
    this.client.send('WHOIS', nick, nick);
    this.changed();
  }

  closeLookup(): void {
    this.lookup = null;
    this.changed();
  }

  /** Opens the channel list panel and asks the server for its public channels. */
  listChannels(): void {
    this.lookup = null;
    this.channelList = { loading: true, channels: [] };
    this.client.send('LIST');
    this.changed();
  }

  closeChannelList(): void {
    this.channelList = null;
    this.changed();
  }

  redact(conversation: Conversation, msgid: string): void {
    this.client.send('REDACT', conversation.name, msgid);
  }

  /** The last line of ours that can be edited (redacted and sent again), newest first. */
  lastOwnLine(conversation: Conversation): Line | undefined {
    for (let i = conversation.lines.length - 1; i >= 0; i--) {
      const l = conversation.lines[i]!;
      if (l.self && l.msgid && !l.redacted && (l.kind === 'message' || l.kind === 'action')) return l;
    }
    return undefined;
  }

  /** What the user typed in a conversation: a message, or a /command. */
  input(conversation: Conversation, text: string, replacing?: string): void {
    if (text.startsWith('/') && !text.startsWith('//')) {
      this.command(conversation, text.slice(1));
      return;
    }
    if (text.startsWith('//')) text = text.slice(1);
    if (conversation.type === 'server') {
      this.addLocal(conversation, 'error', 'This is the server window: type /join #channel or /msg nick text.');
      return;
    }
    if (replacing && this.canRedact) this.client.send('REDACT', conversation.name, replacing, 'edited');
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() !== '') this.say(conversation, line);
    }
  }

  loadOlder(conversation: Conversation): void {
    if (conversation.complete || conversation.loadingOlder || !this.client.isRegistered) return;
    if (conversation.type === 'server') return;
    this.requestHistory(conversation, 'before');
    this.changed();
  }

  /** Marks the active conversation read up to its last line, if the page is being looked at. */
  markRead(): void {
    const c = this.activeConversation;
    if (c.type === 'server' || document.hidden || !this.client.isRegistered) {
      if (c.type === 'server') c.unread = 0;
      return;
    }
    // The newest line with the server's time: a local line (an error, a notice of ours) carries
    // this browser's clock, which must not push the marker past lines still to come.
    let last: Line | undefined;
    for (let i = c.lines.length - 1; i >= 0 && !last; i--) {
      if (!c.lines[i]!.key.startsWith('local-')) last = c.lines[i];
    }
    if (!last) return;
    if (c.marker === null || last.time > c.marker) {
      c.marker = last.time;
      this.countUnread(c);
      if (this.client.caps.has('draft/read-marker')) this.client.send('MARKREAD', c.name, 'timestamp=' + last.time);
      this.changed();
    }
  }

  // --- internals: sending ------------------------------------------------------------------

  private say(c: Conversation, text: string, kind: 'message' | 'action' = 'message'): void {
    const body = kind === 'action' ? `\x01ACTION ${text}\x01` : text;
    for (const part of splitUtf8(body, 400)) {
      this.client.send('PRIVMSG', c.name, part);
    }
    if (!this.client.caps.has('echo-message')) {
      this.addLine(c, { key: this.nextKey(), time: now(), kind, nick: this.nick, text, self: true });
    }
  }

  private command(c: Conversation, line: string): void {
    const [verb = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    const first = rest[0] ?? '';
    const after = rest.slice(1).join(' ');
    switch (verb.toLowerCase()) {
      case 'join': case 'j':
        if (first) this.join(first, rest[1]);
        return;
      case 'part': case 'leave':
        if (this.isChannel(first)) this.part(first, after);
        else if (c.type === 'channel') this.part(c.name, arg);
        return;
      case 'close':
        this.close(c.key);
        return;
      case 'topic':
        if (c.type === 'channel') this.setTopic(c.name, arg);
        return;
      case 'msg': case 'query': case 'q':
        if (!first) return;
        if (this.isChannel(first)) {
          this.join(first);
          return;
        }
        this.openDirect(first);
        if (after) this.say(this.ensure(first, 'direct'), after);
        return;
      case 'me':
        if (c.type !== 'server') this.say(c, arg, 'action');
        return;
      case 'whois': case 'lookup': case 'wi':
        if (first) this.whois(first);
        return;
      case 'nick':
        if (first) this.client.send('NICK', first);
        return;
      case 'away':
        if (arg) this.client.send('AWAY', arg);
        else this.client.send('AWAY');
        return;
      case 'back':
        this.client.send('AWAY');
        return;
      case 'quote': case 'raw':
        if (arg) this.client.sendLine(arg);
        return;
      case 'help':
        this.addLocal(c, 'event', 'Commands: /join #channel, /part, /topic text, /msg nick text, /me action, ' +
          '/whois nick, /nick name, /away text, /back, /close, /quote RAW LINE. Keys: Enter sends, Up edits your ' +
          'last line, Alt+1…9 or Ctrl+K switch conversations, Esc closes panels.');
        return;
      default:
        this.addLocal(c, 'error', `Unknown command /${verb}; /help lists them.`);
    }
  }

  private requestHistory(c: Conversation, kind: HistoryRequest): void {
    if (!this.client.caps.has('draft/chathistory')) return;
    const queue = this.pendingHistory.get(c.key) ?? [];
    queue.push(kind);
    this.pendingHistory.set(c.key, queue);
    const limit = String(this.historyLimit());
    const withTime = c.lines.filter(l => l.msgid);
    if (kind === 'before') {
      c.loadingOlder = true;
      const first = withTime[0];
      this.client.send('CHATHISTORY', 'BEFORE', c.name, first ? 'msgid=' + first.msgid : 'timestamp=' + now(), limit);
    } else if (kind === 'after' && withTime.length > 0) {
      this.client.send('CHATHISTORY', 'AFTER', c.name, 'timestamp=' + withTime[withTime.length - 1]!.time, limit);
    } else {
      queue[queue.length - 1] = 'latest';
      this.client.send('CHATHISTORY', 'LATEST', c.name, '*', limit);
    }
  }

  private historyLimit(): number {
    const max = Number(this.client.isupport.get('CHATHISTORY') ?? '0');
    return max > 0 ? Math.min(PAGE, max) : PAGE;
  }

  // --- internals: receiving ----------------------------------------------------------------

  private onState(s: ConnectionState): void {
    this.connection = s;
    if (s.kind === 'failed') this.loggedIn = false;
    if (s.kind === 'waiting' || s.kind === 'failed') {
      for (const c of this.conversations.values()) {
        c.members.clear();
        if (c.type === 'channel') c.joined = false;
        c.loadingOlder = false;
      }
      this.pendingHistory.clear();
      if (s.kind === 'waiting') this.addLocal(this.serverConversation, 'error', `Disconnected: ${s.reason}`);
    }
    this.changed();
  }

  private onReady(nick: string, again: boolean): void {
    this.nick = nick;
    this.loggedIn = true;
    this.account = this.client.account || this.account;
    const channels = again
      ? [...this.conversations.values()].filter(c => c.type === 'channel').map(c => c.name)
      : this.savedChannels();
    for (const ch of channels) {
      this.ensure(ch, 'channel');
      this.client.send('JOIN', ch);
    }
    if (this.client.caps.has('draft/chathistory')) {
      const from = new Date(Date.now() - 30 * 86400_000).toISOString();
      const to = new Date(Date.now() + 86400_000).toISOString();
      this.client.send('CHATHISTORY', 'TARGETS', 'timestamp=' + from, 'timestamp=' + to, '100');
    }
    // Direct conversations already open: what was missed while away.
    for (const c of this.conversations.values()) {
      if (c.type === 'direct') {
        this.requestHistory(c, c.lines.length > 0 ? 'after' : 'latest');
        this.client.send('MARKREAD', c.name);
      }
    }
    if (!again && this.active === SERVER_KEY && channels.length > 0) this.active = this.fold(channels[0]!);
    if (!again && channels.length === 0 && this.account && this.fold(nick) !== this.fold(this.account)) {
      this.discovery = { nick: this.account, channels: [], sameAccount: false };
      this.client.send('WHOIS', this.account);
    }
    this.changed();
  }

  private onTargets(list: { target: string; time: string }[]): void {
    for (const { target } of list) {
      if (this.isChannel(target)) continue; // channels come from JOIN
      const key = this.fold(target);
      if (key === this.fold(this.nick) || this.conversations.has(key)) continue;
      if (target.includes('.') || fold(target) === 'nickserv') continue; // servers and services
      const c = this.ensure(target, 'direct');
      this.requestHistory(c, 'latest');
      if (this.client.caps.has('draft/read-marker')) this.client.send('MARKREAD', c.name);
    }
    this.changed();
  }

  private onHistory(target: string, msgs: IrcMessage[]): void {
    const key = this.fold(target);
    const queue = this.pendingHistory.get(key);
    const kind = queue?.shift() ?? 'latest';
    const c = this.conversations.get(key) ?? (this.isChannel(target) ? undefined : this.ensure(target, 'direct'));
    if (!c) return;
    const lines = msgs.map(m => this.toLine(m)).filter((l): l is Line => l !== null);
    this.addLines(c, lines, kind === 'before' ? 'older' : 'history');
    if (kind === 'before') {
      c.loadingOlder = false;
      if (msgs.length < this.historyLimit()) c.complete = true;
    } else if (kind === 'latest' && msgs.length < this.historyLimit()) {
      c.complete = true;
    } else if (kind === 'after' && msgs.length >= this.historyLimit()) {
      this.requestHistory(c, 'after'); // more was missed than one page
    }
    if (c.key === this.active) this.markRead();
    this.changed();
  }

  private onLine(m: IrcMessage): void {
    const from = nickOf(m.source);
    const me = this.fold(from) === this.fold(this.nick);
    switch (m.command) {
      case 'PRIVMSG':
      case 'NOTICE': {
        const line = this.toLine(m);
        if (!line) return;
        const target = m.params[0] ?? '';
        let c: Conversation;
        const statusStripped = target.replace(/^[~&@%+]+(?=[#&])/, '');
        if (this.isChannel(statusStripped)) {
          c = this.conversations.get(this.fold(statusStripped)) ?? this.ensure(statusStripped, 'channel');
        } else if (!m.source.includes('!') || (m.command === 'NOTICE' && /serv$/i.test(from))) {
          c = this.serverConversation;
        } else {
          c = this.ensure(me ? target : from, 'direct');
        }
        this.addLine(c, line);
        if (!line.self && (line.kind !== 'notice' || c.type === 'direct') &&
            (c.type === 'direct' || line.highlight) && (document.hidden || c.key !== this.active)) {
          c.highlight = c.key !== this.active;
          if (document.hidden) this.notify(c.type === 'direct' ? from : `${from} in ${c.name}`, line.text, c.key);
        }
        return;
      }
      case 'JOIN': {
        const channel = m.params[0] ?? '';
        const c = this.ensure(channel, 'channel');
        if (me) {
          c.joined = true;
          c.members.clear();
          this.saveChannels();
          this.requestHistory(c, c.lines.some(l => l.msgid) ? 'after' : 'latest');
          // Who is away already (away-notify only tells of changes).
          this.client.send('WHO', c.name);
          // Joined here, or shown the channels of the account's other connections (multiclient).
          if (this.joinRequested.delete(c.key) || (this.openFirstChannel && this.active === SERVER_KEY)) this.select(c.key);
          this.openFirstChannel = false;
        } else {
          c.members.set(this.fold(from), { nick: from, prefixes: '', away: false });
          this.addEvent(c, m, `${from} joined`);
        }
        this.changed();
        return;
      }
      case 'PART':
      case 'KICK': {
        const channel = m.params[0] ?? '';
        const c = this.conversations.get(this.fold(channel));
        const who = m.command === 'KICK' ? (m.params[1] ?? '') : from;
        const reason = m.params[m.command === 'KICK' ? 2 : 1] ?? '';
        if (!c) return;
        c.members.delete(this.fold(who));
        if (this.fold(who) === this.fold(this.nick)) {
          c.joined = false;
          if (m.command === 'PART') {
            this.conversations.delete(c.key);
            if (this.active === c.key) this.active = this.ordered[0]?.key ?? SERVER_KEY;
          } else {
            this.addEvent(c, m, `You were kicked by ${from}${reason ? ` (${reason})` : ''}`);
          }
          this.saveChannels();
        } else {
          this.addEvent(c, m, m.command === 'KICK'
            ? `${who} was kicked by ${from}${reason ? ` (${reason})` : ''}`
            : `${from} left${reason ? ` (${reason})` : ''}`);
        }
        this.changed();
        return;
      }
      case 'QUIT':
        for (const c of this.conversations.values()) {
          if (c.members.delete(this.fold(from))) {
            this.addEvent(c, m, `${from} quit${m.params[0] ? ` (${m.params[0]})` : ''}`);
          }
        }
        this.changed();
        return;
      case 'NICK': {
        const to = m.params[0] ?? '';
        if (me) this.nick = to;
        for (const c of this.conversations.values()) {
          const member = c.members.get(this.fold(from));
          if (member) {
            c.members.delete(this.fold(from));
            c.members.set(this.fold(to), { ...member, nick: to });
            this.addEvent(c, m, `${from} is now ${to}`);
          }
        }
        this.changed();
        return;
      }
      case 'AWAY':
        for (const c of this.conversations.values()) {
          const member = c.members.get(this.fold(from));
          if (member) member.away = m.params.length > 0;
        }
        this.changed();
        return;
      case 'TOPIC': {
        const c = this.conversations.get(this.fold(m.params[0] ?? ''));
        if (!c) return;
        c.topic = m.params[1] ?? '';
        this.addEvent(c, m, c.topic ? `${from} set the topic: ${c.topic}` : `${from} cleared the topic`);
        this.changed();
        return;
      }
      case 'MODE': {
        const target = m.params[0] ?? '';
        const c = this.conversations.get(this.fold(target));
        if (c && c.type === 'channel') {
          this.addEvent(c, m, `${from} set mode ${m.params.slice(1).join(' ')}`);
          const { modes } = this.prefixModes;
          if ([...(m.params[1] ?? '')].some(ch => modes.includes(ch))) this.client.send('NAMES', c.name);
          this.changed();
        }
        return;
      }
      case 'MARKREAD': {
        const c = this.conversations.get(this.fold(m.params[0] ?? ''));
        const value = m.params[1] ?? '*';
        if (!c) return;
        const time = value.startsWith('timestamp=') ? value.slice(10) : null;
        if (time !== null && (c.marker === null || time > c.marker)) c.marker = time;
        this.countUnread(c);
        if (c.unread === 0) c.highlight = false;
        this.changed();
        return;
      }
      case 'REDACT': {
        const target = m.params[0] ?? '';
        const msgid = m.params[1] ?? '';
        const key = this.isChannel(target) ? this.fold(target) : this.fold(me ? target : from);
        const c = this.conversations.get(key);
        const line = c?.lines.find(l => l.msgid === msgid);
        if (c && line) {
          line.redacted = true;
          line.text = '';
          this.countUnread(c);
          this.changed();
        }
        return;
      }
      case '332': { // RPL_TOPIC <me> <channel> :<topic>
        const c = this.conversations.get(this.fold(m.params[1] ?? ''));
        if (c) c.topic = m.params[2] ?? '';
        this.changed();
        return;
      }
      case '331': { // RPL_NOTOPIC
        const c = this.conversations.get(this.fold(m.params[1] ?? ''));
        if (c) c.topic = '';
        this.changed();
        return;
      }
      case '353': { // RPL_NAMREPLY <me> <symbol> <channel> :<prefix><nick> ...
        const key = this.fold(m.params[2] ?? '');
        const pending = this.names.get(key) ?? new Map<string, Member>();
        const { symbols } = this.prefixModes;
        for (const entry of (m.params[3] ?? '').split(' ').filter(Boolean)) {
          let i = 0;
          while (i < entry.length && symbols.includes(entry[i]!)) i++;
          const nick = nickOf(entry.slice(i));
          pending.set(this.fold(nick), { nick, prefixes: entry.slice(0, i), away: false });
        }
        this.names.set(key, pending);
        return;
      }
      case '352': { // RPL_WHOREPLY <me> <channel> <user> <host> <server> <nick> <H|G>[*][prefixes] :<hops> <realname>
        const c = this.conversations.get(this.fold(m.params[1] ?? ''));
        const member = c?.members.get(this.fold(m.params[5] ?? ''));
        if (member) {
          member.away = (m.params[6] ?? '').startsWith('G');
          this.changed();
        }
        return;
      }
      case '315': // RPL_ENDOFWHO
      case '321': // RPL_LISTSTART
        return;
      case '322': // RPL_LIST <me> <channel> <visible> :<topic>
        // At most 1,000 kept: a panel, not a directory.
        if (this.channelList && this.channelList.channels.length < 1000) {
          this.channelList.channels.push({ name: m.params[1] ?? '', users: Number(m.params[2] ?? 0), topic: m.params[3] ?? '' });
        }
        return;
      case '323': // RPL_LISTEND
        if (this.channelList) {
          this.channelList.loading = false;
          this.channelList.channels.sort((a, b) => b.users - a.users || a.name.localeCompare(b.name));
          this.changed();
        }
        return;
      case '366': { // RPL_ENDOFNAMES
        const key = this.fold(m.params[1] ?? '');
        const c = this.conversations.get(key);
        if (c) c.members = this.names.get(key) ?? new Map();
        this.names.delete(key);
        this.changed();
        return;
      }
      case '311': // RPL_WHOISUSER <me> <nick> <user> <host> * :<realname>
        this.updateLookup(m.params[1], l => {
          l.online = true;
          l.user = m.params[2];
          l.host = m.params[3];
          l.realname = m.params[5];
        });
        return;
      case '312': // RPL_WHOISSERVER <me> <nick> <server> :<info>
        this.updateLookup(m.params[1], l => (l.server = m.params[2]));
        return;
      case '301': // RPL_AWAY <me> <nick> :<message>
        if (this.lookup?.loading) this.updateLookup(m.params[1], l => (l.away = m.params[2] ?? ''));
        else {
          const c = this.conversations.get(this.fold(m.params[1] ?? ''));
          if (c) this.addLocal(c, 'event', `${m.params[1]} is away: ${m.params[2] ?? ''}`);
        }
        return;
      case '330': // RPL_WHOISACCOUNT <me> <nick> <account> :is logged in as
        if (this.discovering(m.params[1])) {
          this.discovery!.sameAccount = this.fold(m.params[2] ?? '') === this.fold(this.account);
          return;
        }
        this.updateLookup(m.params[1], l => (l.account = m.params[2]));
        return;
      case '317': // RPL_WHOISIDLE <me> <nick> <secs> <signon> :seconds idle, signon time
        this.updateLookup(m.params[1], l => {
          l.idleSeconds = Number(m.params[2]);
          l.signon = Number(m.params[3]);
        });
        return;
      case '319': // RPL_WHOISCHANNELS <me> <nick> :<channels>
        if (this.discovering(m.params[1])) {
          const { symbols } = this.prefixModes;
          for (const ch of (m.params[2] ?? '').split(' ').filter(Boolean)) {
            let i = 0;
            while (i < ch.length && symbols.includes(ch[i]!)) i++;
            this.discovery!.channels.push(ch.slice(i));
          }
          return;
        }
        this.updateLookup(m.params[1], l => (l.channels = m.params[2]));
        return;
      case '318': // RPL_ENDOFWHOIS
        if (this.discovering(m.params[1])) {
          const found = this.discovery!;
          this.discovery = null;
          if (found.sameAccount) {
            for (const ch of found.channels) {
              this.ensure(ch, 'channel');
              this.client.send('JOIN', ch);
            }
            if (this.active === SERVER_KEY && found.channels[0]) this.active = this.fold(found.channels[0]);
          }
          return;
        }
        this.updateLookup(m.params[1], l => (l.loading = false));
        return;
      case '401': // ERR_NOSUCHNICK
        if (this.discovering(m.params[1])) {
          this.discovery = null;
          return;
        }
        if (this.lookup && this.fold(this.lookup.nick) === this.fold(m.params[1] ?? '')) {
          this.updateLookup(m.params[1], l => {
            l.online = false;
            l.loading = false;
          });
          return;
        }
        break;
      case 'FAIL': {
        if (m.params[0] === 'CHATHISTORY') {
          // A failed query still answers one request for that target.
          const target = m.params.find((p, i) => i >= 2 && this.conversations.has(this.fold(p)));
          if (target) {
            const c = this.conversations.get(this.fold(target))!;
            const kind = this.pendingHistory.get(c.key)?.shift();
            if (kind === 'before') c.loadingOlder = false;
            c.complete = c.complete || kind !== 'after';
            this.changed();
          }
          return;
        }
        this.addLocal(this.activeConversation, 'error', `${m.params[0]} failed: ${m.params[m.params.length - 1] ?? ''}`);
        return;
      }
    }
    // 422 ERR_NOMOTD is no error to the user: it goes to the server window as the MOTD would.
    if (/^[45]\d\d$/.test(m.command) && m.command !== '422') {
      if (m.command === '433' || m.command === '432') {
        this.addLocal(this.activeConversation, 'error', m.params[m.params.length - 1] ?? 'Nick refused');
        return;
      }
      const text = m.params.slice(1).join(' ');
      this.addLocal(this.activeConversation.type === 'server' ? this.serverConversation : this.activeConversation, 'error', text);
      return;
    }
    if (/^\d\d\d$/.test(m.command) || m.command === 'ERROR') {
      // Welcome, MOTD and the rest of the server's talk go to the server window.
      if (['005', '353', '366', '004', '003', '002'].includes(m.command)) return;
      this.addLine(this.serverConversation, {
        key: this.nextKey(), time: m.tags.get('time') ?? now(), kind: 'notice', nick: '',
        text: m.params.slice(1).join(' ') || m.params.join(' '), self: false,
      });
    }
  }

  private discovering(nick: string | undefined): boolean {
    return this.discovery !== null && this.fold(nick ?? '') === this.fold(this.discovery.nick);
  }

  private updateLookup(nick: string | undefined, change: (l: Lookup) => void): void {
    if (!this.lookup || this.fold(nick ?? '') !== this.fold(this.lookup.nick)) return;
    change(this.lookup);
    this.changed();
  }

  /** A PRIVMSG or NOTICE as a line, or null for a CTCP we do not show. */
  private toLine(m: IrcMessage): Line | null {
    if (m.command !== 'PRIVMSG' && m.command !== 'NOTICE') return null;
    const from = nickOf(m.source);
    let text = m.params[1] ?? '';
    let kind: LineKind = m.command === 'NOTICE' ? 'notice' : 'message';
    if (text.startsWith('\x01')) {
      const inner = text.replace(/^\x01|\x01$/g, '');
      if (!inner.startsWith('ACTION ')) return null;
      kind = 'action';
      text = inner.slice(7);
    }
    const msgid = m.tags.get('msgid');
    const self = this.fold(from) === this.fold(this.nick) ||
      (this.account !== '' && m.tags.get('account') !== undefined && this.fold(m.tags.get('account')!) === this.fold(this.account));
    const highlight = !self && this.nick !== '' && new RegExp(`(^|\\W)${escapeRegExp(this.nick)}(\\W|$)`, 'i').test(text);
    return { key: msgid ?? this.nextKey(), msgid, time: m.tags.get('time') ?? now(), kind, nick: from, text, self, highlight };
  }

  // --- internals: the model ----------------------------------------------------------------

  private makeConversation(key: string, name: string, type: ConversationType): Conversation {
    return {
      key, name, type, lines: [], ids: new Set(), members: new Map(), topic: '', joined: false,
      marker: null, unread: 0, highlight: false, complete: false, loadingOlder: false,
    };
  }

  private ensure(name: string, type: ConversationType): Conversation {
    const key = this.fold(name);
    let c = this.conversations.get(key);
    if (!c) {
      c = this.makeConversation(key, name, type);
      this.conversations.set(key, c);
      this.changed();
    }
    return c;
  }

  private addEvent(c: Conversation, m: IrcMessage, text: string): void {
    this.addLine(c, { key: m.tags.get('msgid') ?? this.nextKey(), msgid: undefined, time: m.tags.get('time') ?? now(), kind: 'event', nick: nickOf(m.source), text, self: false });
  }

  private addLocal(c: Conversation, kind: LineKind, text: string): void {
    this.addLine(c, { key: this.nextKey(), time: now(), kind, nick: '', text, self: false });
  }

  private addLine(c: Conversation, line: Line): void {
    this.addLines(c, [line], 'live');
    if (c.key === this.active) this.markRead();
  }

  /**
   * Adds lines in time order, leaving out those already there (history overlapping live lines).
   * Several lines can share a millisecond, so order within a page is the server's: an older
   * page goes in front whole, a newer one behind; only an overlap falls back to sorting.
   */
  private addLines(c: Conversation, lines: Line[], from: 'live' | 'history' | 'older'): void {
    const fresh = lines.filter(l => !c.ids.has(l.key));
    if (fresh.length === 0) return;
    for (const l of fresh) c.ids.add(l.key);
    const first = c.lines[0];
    const last = c.lines[c.lines.length - 1];
    if (from === 'older' && (!first || fresh.every(l => l.time <= first.time))) {
      c.lines.unshift(...fresh);
    } else if (from === 'live' || !last || fresh.every(l => l.time >= last.time)) {
      c.lines.push(...fresh);
    } else {
      c.lines = [...c.lines, ...fresh].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    }
    // Keep memory bounded: a conversation holds its newest 2,000 lines.
    if (c.lines.length > 2000) {
      for (const gone of c.lines.splice(0, c.lines.length - 2000)) c.ids.delete(gone.key);
      c.complete = false;
    }
    this.countUnread(c);
    this.changed();
  }

  private countUnread(c: Conversation): void {
    if (c.type === 'server') {
      c.unread = 0;
      return;
    }
    let n = 0;
    for (let i = c.lines.length - 1; i >= 0; i--) {
      const l = c.lines[i]!;
      if (c.marker !== null && l.time <= c.marker) break;
      if (!l.self && !l.redacted && (l.kind === 'message' || l.kind === 'action' || l.kind === 'notice')) n++;
    }
    c.unread = n;
  }

  private nextKey(): string {
    return `local-${++this.localSeq}`;
  }

  private storageKey(): string {
    return `parley:${this.fold(this.account)}:channels`;
  }

  private savedChannels(): string[] {
    try {
      const v = JSON.parse(localStorage.getItem(this.storageKey()) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private saveChannels(): void {
    const names = [...this.conversations.values()].filter(c => c.type === 'channel' && c.joined).map(c => c.name);
    try {
      localStorage.setItem(this.storageKey(), JSON.stringify(names));
    } catch {
      // Storage full or denied: the channels are simply not remembered.
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits text into pieces of at most maxBytes UTF-8 bytes, at spaces where it can. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const enc = new TextEncoder();
  if (enc.encode(text).length <= maxBytes) return [text];
  const out: string[] = [];
  let current = '';
  for (const ch of text) {
    if (enc.encode(current + ch).length > maxBytes) {
      const space = current.lastIndexOf(' ');
      if (space > maxBytes / 2) {
        out.push(current.slice(0, space));
        current = current.slice(space + 1);
      } else {
        out.push(current);
        current = '';
      }
    }
    current += ch;
  }
  if (current) out.push(current);
  return out;
}
