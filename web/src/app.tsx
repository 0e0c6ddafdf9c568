// The view: login, the side list, the conversation, the members and lookup panels, the quick
// switcher. Everything reads from the Store and calls its actions; the Store re-renders it.

import { Fragment, type ComponentChildren, type RefObject } from 'preact';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { Conversation, Line, Lookup, Member, Store } from './store';

function useStore(store: Store): void {
  const [, bump] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => store.subscribe(() => bump()), [store]);
}

export function App({ store }: { store: Store }) {
  useStore(store);
  const [panel, setPanel] = useState<'none' | 'members'>('none');
  const [sidebar, setSidebar] = useState(false);
  const [switcher, setSwitcher] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  const total = store.totalUnread;
  useEffect(() => {
    document.title = total > 0 ? `(${total}) Parley` : 'Parley';
  }, [total]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSwitcher(s => !s);
      } else if (e.altKey && /^Digit[0-9]$/.test(e.code)) {
        e.preventDefault();
        const n = Number(e.code.slice(5));
        const target = n === 0 ? store.serverConversation : store.ordered[n - 1];
        if (target) {
          store.select(target.key);
          setSidebar(false);
          composer.current?.focus();
        }
      } else if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        const list = store.ordered;
        const i = list.findIndex(c => c.key === store.active);
        const next = list[(i + (e.key === 'ArrowUp' ? -1 : 1) + list.length) % list.length];
        if (next) store.select(next.key);
      } else if (e.key === 'Escape') {
        if (switcher) setSwitcher(false);
        else if (store.lookup) store.closeLookup();
        else if (store.channelList) store.closeChannelList();
        else if (sidebar) setSidebar(false);
        else if (panel !== 'none') setPanel('none');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, switcher, sidebar, panel]);

  const state = store.connection;
  if (!store.loggedIn) {
    return <Login store={store} busy={state.kind === 'connecting'} error={state.kind === 'failed' ? state.reason : ''} />;
  }

  const c = store.activeConversation;
  const choose = (key: string) => {
    store.select(key);
    setSidebar(false);
    composer.current?.focus();
  };
  return (
    <div class={`app${sidebar ? ' show-sidebar' : ''}${(panel !== 'none' && c.type === 'channel') || store.lookup || store.channelList ? ' show-panel' : ''}`}>
      <Sidebar store={store} choose={choose} browse={() => { store.listChannels(); setSidebar(false); }} />
      <main class="conversation" aria-label={`Conversation ${c.name}`}>
        <Header store={store} c={c} toggleSidebar={() => setSidebar(s => !s)}
          toggleMembers={() => setPanel(p => (p === 'members' ? 'none' : 'members'))} />
        <Banner store={store} />
        <Messages store={store} c={c} />
        <Composer store={store} c={c} inputRef={composer} />
      </main>
      {store.lookup
        ? <LookupPanel store={store} lookup={store.lookup} />
        : store.channelList
          ? <ChannelListPanel store={store} choose={choose} />
          : panel === 'members' && c.type === 'channel'
          ? <MembersPanel store={store} c={c} close={() => setPanel('none')} />
          : null}
      {sidebar ? <div class="scrim" onClick={() => setSidebar(false)} /> : null}
      {switcher ? <Switcher store={store} close={() => setSwitcher(false)} choose={key => { setSwitcher(false); choose(key); }} /> : null}
    </div>
  );
}

// --- login ------------------------------------------------------------------------------

function Login({ store, busy, error }: { store: Store; busy: boolean; error: string }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [account, setAccount] = useState(localStorage.getItem('parley:last-account') ?? '');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (!account || !password) return;
    try {
      localStorage.setItem('parley:last-account', account);
    } catch {
      // not remembered
    }
    // Asked here because browsers grant it only in answer to a click.
    if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission().catch(() => {});
    store.login({ account, password, register: mode === 'register', email: email || undefined });
  };
  return (
    <div class="login">
      <form class="login-box" onSubmit={submit} aria-label={mode === 'login' ? 'Log in' : 'Create an account'}>
        <h1>Parley</h1>
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => setMode('login')}>Log in</button>
          <button type="button" role="tab" aria-selected={mode === 'register'} onClick={() => setMode('register')}>Create account</button>
        </div>
        <label>Account<input name="account" autocomplete="username" value={account} required autofocus
          onInput={e => setAccount((e.target as HTMLInputElement).value.trim())} /></label>
        <label>Password<input name="password" type="password" value={password} required
          autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
          onInput={e => setPassword((e.target as HTMLInputElement).value)} /></label>
        {mode === 'register'
          ? <label>E-mail (optional)<input name="email" type="email" value={email}
            onInput={e => setEmail((e.target as HTMLInputElement).value.trim())} /></label>
          : null}
        {error ? <p class="error" role="alert">{error}</p> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Connecting…' : mode === 'login' ? 'Log in' : 'Create account'}
        </button>
      </form>
    </div>
  );
}

// --- side list --------------------------------------------------------------------------

function Sidebar({ store, choose, browse }: { store: Store; choose: (key: string) => void; browse: () => void }) {
  const [join, setJoin] = useState('');
  const list = store.ordered;
  const channels = list.filter(c => c.type === 'channel');
  const directs = list.filter(c => c.type === 'direct');
  const item = (c: Conversation) => (
    <li key={c.key}>
      <button class={`conv${c.key === store.active ? ' active' : ''}${c.unread > 0 ? ' has-unread' : ''}${c.highlight ? ' highlight' : ''}${c.type === 'channel' && !c.joined ? ' parted' : ''}`}
        onClick={() => choose(c.key)} data-conversation={c.name} aria-current={c.key === store.active ? 'true' : undefined}>
        <span class="name">{c.name}</span>
        {c.unread > 0 ? <span class="badge" aria-label={`${c.unread} unread`}>{c.unread}</span> : null}
      </button>
    </li>
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const v = join.trim();
    if (!v) return;
    if (store.isChannel(v) || v.startsWith('#')) store.join(v);
    else store.openDirect(v);
    choose(store.fold(v));
    setJoin('');
  };
  return (
    <nav class="sidebar" aria-label="Conversations">
      <div class="me">
        <span class="nick" title={store.account ? `Logged in as ${store.account}` : ''}>{store.nick || store.account}</span>
        <button class="link" onClick={() => store.logout()}>Log out</button>
      </div>
      <form class="join" onSubmit={submit}>
        <input placeholder="#channel or nick" aria-label="Join a channel or message a nick" value={join}
          onInput={e => setJoin((e.target as HTMLInputElement).value)} />
      </form>
      <h2>Channels</h2>
      <ul>{channels.map(item)}</ul>
      <button class="link browse" onClick={browse}>Browse channels</button>
      <h2>Direct</h2>
      <ul>{directs.map(item)}</ul>
      <ul class="server-item">
        <li>
          <button class={`conv${store.active === store.serverConversation.key ? ' active' : ''}`}
            onClick={() => choose(store.serverConversation.key)} data-conversation="*server*">
            <span class="name">Server messages</span>
          </button>
        </li>
      </ul>
      <p class="hint">Ctrl+K or Alt+1…9 to switch</p>
    </nav>
  );
}

// --- conversation -----------------------------------------------------------------------

function Header({ store, c, toggleSidebar, toggleMembers }:
  { store: Store; c: Conversation; toggleSidebar: () => void; toggleMembers: () => void }) {
  const [editing, setEditing] = useState(false);
  const [topic, setTopic] = useState('');
  const others = store.totalUnread - c.unread;
  return (
    <header class="header">
      <button class="menu" aria-label="Conversations" onClick={toggleSidebar}>
        ☰{others > 0 ? <span class="badge">{others}</span> : null}
      </button>
      <div class="title">
        <h1>{c.type === 'server' ? 'Server messages' : c.name}</h1>
        {c.type === 'channel' && editing
          ? <form onSubmit={e => { e.preventDefault(); store.setTopic(c.name, topic); setEditing(false); }}>
            <input class="topic-edit" aria-label="Topic" value={topic} autofocus
              onInput={e => setTopic((e.target as HTMLInputElement).value)}
              onKeyDown={e => { if (e.key === 'Escape') { e.stopPropagation(); setEditing(false); } }}
              onBlur={() => setEditing(false)} />
          </form>
          : c.type === 'channel'
            ? <p class="topic" title="Click to change the topic" onClick={() => { setTopic(c.topic); setEditing(true); }}>
              {c.topic ? <Text text={c.topic} /> : <span class="muted">No topic</span>}
            </p>
            : null}
      </div>
      <div class="actions">
        {c.type === 'channel'
          ? <button onClick={toggleMembers} aria-label="Members">Members {c.members.size}</button>
          : null}
        {c.type === 'direct' ? <button onClick={() => store.whois(c.name)}>Look up</button> : null}
        {c.type !== 'server'
          ? <button onClick={() => store.close(c.key)}>{c.type === 'channel' ? 'Leave' : 'Close'}</button>
          : null}
      </div>
    </header>
  );
}

function Banner({ store }: { store: Store }) {
  const s = store.connection;
  const [, tick] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => {
    if (s.kind !== 'waiting') return;
    const t = setInterval(() => tick(), 1000);
    return () => clearInterval(t);
  }, [s]);
  if (s.kind === 'waiting') {
    const secs = Math.max(0, Math.ceil((s.until - Date.now()) / 1000));
    return (
      <div class="banner" role="status">
        Disconnected ({s.reason}). Reconnecting in {secs} s…{' '}
        <button class="link" onClick={() => store.client.retryNow()}>Retry now</button>
      </div>
    );
  }
  if (s.kind === 'connecting') return <div class="banner" role="status">Connecting…</div>;
  return null;
}

function Messages({ store, c }: { store: Store; c: Conversation }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const fromBottom = useRef(0);
  const firstKey = useRef<string | undefined>(undefined);
  const shownKey = useRef<string>('');
  // Where the "new" divider goes: the marker as it was when the conversation was opened.
  const [dividerAt, setDividerAt] = useState<string | null>(null);
  useEffect(() => {
    setDividerAt(c.marker);
  }, [c.key]); // eslint-disable-line

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = c.lines[0]?.key;
    if (shownKey.current !== c.key) {
      el.scrollTop = el.scrollHeight;
      shownKey.current = c.key;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (first !== firstKey.current) {
      el.scrollTop = el.scrollHeight - fromBottom.current; // older lines came in above
    }
    firstKey.current = first;
    // Nothing to scroll yet but more history exists: fetch it.
    if (el.scrollHeight <= el.clientHeight && !c.complete && c.lines.length > 0) store.loadOlder(c);
  });

  const onScroll = () => {
    const el = box.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    if (el.scrollTop < 60) store.loadOlder(c);
  };

  let dividerShown = false;
  return (
    <div class="messages" ref={box} onScroll={onScroll} role="log" aria-live="polite">
      {c.type !== 'server'
        ? <div class="history-edge">
          {c.complete
            ? <span class="muted">Start of the history</span>
            : <button class="link" disabled={c.loadingOlder} onClick={() => store.loadOlder(c)}>
              {c.loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>}
        </div>
        : null}
      {c.lines.map((l, i) => {
        const prev = c.lines[i - 1];
        const divider = !dividerShown && dividerAt !== null && l.time > dividerAt && !l.self && i > 0;
        if (divider) dividerShown = true;
        return (
          <Fragment key={l.key}>
            {prev && day(prev.time) !== day(l.time) ? <div class="day">{day(l.time)}</div> : null}
            {divider ? <div class="new-divider" aria-label="New messages"><span>new</span></div> : null}
            <MessageLine store={store} c={c} line={l} />
          </Fragment>
        );
      })}
    </div>
  );
}

function MessageLine({ store, c, line }: { store: Store; c: Conversation; line: Line }) {
  const cls = `line ${line.kind}${line.self ? ' self' : ''}${line.highlight ? ' mention' : ''}${line.redacted ? ' redacted' : ''}`;
  const time = <time dateTime={line.time} title={new Date(line.time).toLocaleString()}>{hhmm(line.time)}</time>;
  if (line.kind === 'event' || line.kind === 'error') {
    return <div class={cls} data-msgid={line.msgid}>{time}<span class="text">{line.text}</span></div>;
  }
  const who = line.nick
    ? <button class="nick" style={{ color: nickColor(line.nick) }} onClick={() => store.whois(line.nick)}>{line.nick}</button>
    : null;
  return (
    <div class={cls} data-msgid={line.msgid}>
      {time}
      {line.kind === 'action' ? <span class="star">*</span> : null}
      {who}
      <span class="text">{line.redacted ? <em class="muted">message deleted</em> : <Text text={line.text} />}</span>
      {line.self && line.msgid && !line.redacted && store.canRedact
        ? <button class="delete" aria-label="Delete message" title="Delete" onClick={() => store.redact(c, line.msgid!)}>✕</button>
        : null}
    </div>
  );
}

function Composer({ store, c, inputRef }: { store: Store; c: Conversation; inputRef: RefObject<HTMLTextAreaElement | null> }) {
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  useEffect(() => {
    setEditing(null);
    inputRef.current?.focus();
  }, [c.key]); // eslint-disable-line
  const onKey = (e: KeyboardEvent) => {
    const el = e.currentTarget as HTMLTextAreaElement;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (text.trim() === '') return;
      store.input(c, text, editing ?? undefined);
      setText('');
      setEditing(null);
    } else if (e.key === 'ArrowUp' && el.selectionStart === 0 && el.selectionEnd === 0 && (text === '' || editing)) {
      const last = store.lastOwnLine(c);
      if (last && store.canRedact) {
        e.preventDefault();
        setText(last.text);
        setEditing(last.msgid!);
      }
    } else if (e.key === 'Tab' && !e.shiftKey && el.selectionStart === el.selectionEnd) {
      // Nick completion: the word before the caret, from the channel's members.
      const caret = el.selectionStart;
      const word = /[^\s]*$/.exec(text.slice(0, caret))?.[0] ?? '';
      if (word === '') return;
      const nicks = c.type === 'channel' ? [...c.members.values()].map(m => m.nick) : [c.name];
      const match = nicks.filter(n => n !== store.nick).sort().find(n => n.toLowerCase().startsWith(word.toLowerCase()));
      if (!match) return;
      e.preventDefault();
      const start = caret - word.length;
      const insert = match + (start === 0 ? ': ' : ' ');
      const next = text.slice(0, start) + insert + text.slice(caret);
      // Into the element at once (and the caret after the nick), so keys typed next land after it.
      el.value = next;
      el.setSelectionRange(start + insert.length, start + insert.length);
      setText(next);
    } else if (e.key === 'Escape' && editing) {
      e.stopPropagation();
      setText('');
      setEditing(null);
    }
  };
  const disabled = !store.client.isRegistered;
  return (
    <div class="composer">
      {editing ? <div class="editing">Editing your last message: Enter replaces it, Esc cancels</div> : null}
      <textarea ref={inputRef} rows={Math.min(6, text.split('\n').length)} value={text} aria-label="Message" disabled={disabled}
        placeholder={c.type === 'server' ? 'Type /join #channel or /msg nick text' : `Message ${c.name}`}
        onInput={e => setText((e.target as HTMLTextAreaElement).value)} onKeyDown={onKey} />
    </div>
  );
}

// --- panels -----------------------------------------------------------------------------

function MembersPanel({ store, c, close }: { store: Store; c: Conversation; close: () => void }) {
  const { symbols } = store.prefixModes;
  const rank = (m: Member) => (m.prefixes ? symbols.indexOf(m.prefixes[0]!) : symbols.length);
  const members = [...c.members.values()].sort((a, b) => rank(a) - rank(b) || a.nick.localeCompare(b.nick));
  return (
    <aside class="panel" aria-label="Members">
      <div class="panel-head"><h2>Members ({members.length})</h2><button class="link" onClick={close}>Close</button></div>
      <ul class="members">
        {members.map(m => (
          <li key={m.nick} class={m.away ? 'away' : ''}>
            <button class="link" onClick={() => store.whois(m.nick)}>
              <span class="prefix">{m.prefixes}</span>{m.nick}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function LookupPanel({ store, lookup }: { store: Store; lookup: Lookup }) {
  const row = (label: string, value: ComponentChildren) => (
    <Fragment><dt>{label}</dt><dd>{value}</dd></Fragment>
  );
  return (
    <aside class="panel lookup" aria-label="Lookup">
      <div class="panel-head"><h2>{lookup.nick}</h2><button class="link" onClick={() => store.closeLookup()}>Close</button></div>
      {lookup.loading
        ? <p class="muted">Looking up…</p>
        : <dl>
          {row('Status', <span class={`status ${lookup.online ? (lookup.away !== undefined ? 'away' : 'online') : 'offline'}`}>
            {lookup.online ? (lookup.away !== undefined ? 'away' : 'online') : 'offline'}</span>)}
          {lookup.away !== undefined ? row('Away', lookup.away || '(no message)') : null}
          {lookup.online ? row('Account', lookup.account ?? 'not logged in') : null}
          {lookup.idleSeconds !== undefined ? row('Idle', duration(lookup.idleSeconds)) : null}
          {lookup.signon ? row('Connected', new Date(lookup.signon * 1000).toLocaleString()) : null}
          {lookup.realname ? row('Name', lookup.realname) : null}
          {lookup.user ? row('Address', `${lookup.user}@${lookup.host}`) : null}
          {lookup.channels ? row('Channels', lookup.channels) : null}
        </dl>}
      {!lookup.loading && lookup.nick !== store.nick
        ? <button class="primary" onClick={() => { store.openDirect(lookup.nick); store.closeLookup(); }}>Message {lookup.nick}</button>
        : null}
    </aside>
  );
}

function ChannelListPanel({ store, choose }: { store: Store; choose: (key: string) => void }) {
  const list = store.channelList!;
  return (
    <aside class="panel channel-list" aria-label="Channels on this server">
      <div class="panel-head"><h2>Channels</h2><button class="link" onClick={() => store.closeChannelList()}>Close</button></div>
      {list.loading ? <p class="muted">Asking the server…</p> : null}
      {!list.loading && list.channels.length === 0 ? <p class="muted">No public channels yet: type #name in the box on the left to make one.</p> : null}
      <ul>
        {list.channels.map(ch => (
          <li key={ch.name}>
            <button class="link" onClick={() => {
              store.closeChannelList();
              if (store.conversations.get(store.fold(ch.name))?.joined) choose(store.fold(ch.name));
              else store.join(ch.name);
            }}>{ch.name}</button>
            <span class="muted"> {ch.users} {ch.users === 1 ? 'person' : 'people'}</span>
            {ch.topic ? <div class="topic"><Text text={ch.topic} /></div> : null}
          </li>
        ))}
      </ul>
    </aside>
  );
}

function Switcher({ store, close, choose }: { store: Store; close: () => void; choose: (key: string) => void }) {
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const all = [...store.ordered, store.serverConversation];
  const matches = all.filter(c => c.name.toLowerCase().includes(q.toLowerCase())).slice(0, 12);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); setSel(s => Math.min(s + 1, matches.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setSel(s => Math.max(s - 1, 0)); }
    else if (e.key === 'Enter') {
      e.preventDefault();
      const m = matches[sel];
      if (m) choose(m.key);
      else if (q.trim()) {
        if (store.isChannel(q.trim())) store.join(q.trim());
        else store.openDirect(q.trim());
        close();
      }
    }
  };
  return (
    <div class="switcher-scrim" onClick={close}>
      <div class="switcher" role="dialog" aria-label="Switch conversation" onClick={e => e.stopPropagation()}>
        <input autofocus placeholder="Go to a conversation, or type #channel / nick" value={q} onKeyDown={onKey}
          onInput={e => { setQ((e.target as HTMLInputElement).value); setSel(0); }} />
        <ul>
          {matches.map((c, i) => (
            <li key={c.key}>
              <button class={i === sel ? 'selected' : ''} onClick={() => choose(c.key)}>
                {c.type === 'server' ? 'Server messages' : c.name}
                {c.unread > 0 ? <span class="badge">{c.unread}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

// --- helpers ----------------------------------------------------------------------------

const URL_RE = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'']/g;

/** Text with its links made clickable (never HTML: Preact escapes everything else). */
function Text({ text }: { text: string }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index! > last) parts.push(text.slice(last, m.index));
    parts.push(<a href={m[0]} target="_blank" rel="noopener noreferrer">{m[0]}</a>);
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <Fragment>{parts}</Fragment>;
}

function hhmm(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

function duration(secs: number): string {
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h ${Math.floor((secs % 3600) / 60)} min`;
  return `${Math.floor(secs / 86400)} d`;
}

function nickColor(nick: string): string {
  let h = 0;
  for (const ch of nick.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360}, 55%, 42%)`;
}
