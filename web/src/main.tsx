// Entry point: connects the Store to the page (WebSocket address, notifications, visibility).
import { render } from 'preact';
import { App } from './app';
import { Store } from './store';

// The WebSocket is served by the same listener as the page, on the page's own path, so a
// reverse proxy that forwards one path forwards both.
const url = new URL('./', location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
url.hash = '';
url.search = '';

const store: Store = new Store(url.toString(), (title, body, conversation) => {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(title, { body, tag: conversation });
  n.onclick = () => {
    window.focus();
    store.select(conversation);
    n.close();
  };
});

// Reading happens when the page is looked at: mark the open conversation read then.
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) store.markRead();
});
window.addEventListener('focus', () => store.markRead());
// Back on the network (a phone leaving a tunnel): no need to wait for the backoff.
window.addEventListener('online', () => store.client.retryNow());

// For the browser tests and for debugging from the console.
(window as unknown as { parley: Store }).parley = store;

render(<App store={store} />, document.getElementById('app')!);
