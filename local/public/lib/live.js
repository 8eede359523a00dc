// @ts-check
/**
 * Keeps the page current: the contract's WebSocket (`/live`) when it can, ETag polling when it
 * cannot. The socket only says *that* something changed; the page then revalidates what it holds
 * with If-None-Match, so a missed or repeated event costs nothing but a 304. While the socket is
 * down the page polls, and it reconnects with exponential backoff (with jitter, so a room full of
 * wall screens does not reconnect in step after a restart).
 *
 * An editor's page also follows the scenario's inbox (contract 1.2): a second subscription naming
 * `InboxItemArrived`, whose events go to `onEvent` only (they change no thread, so nothing is
 * revalidated for them).
 *
 * For tests and for the curious, `document.body.dataset` shows `liveState` (connecting, live,
 * polling, off), `liveAttempts` (sockets opened so far) and `liveInbox` (`on` once the inbox
 * subscription is confirmed on the current socket).
 */

/**
 * @typedef {{ id?: string, type: string, scenario?: string | null, threadId?: string, updateId?: string }} LiveEvent
 * @typedef {'connecting' | 'live' | 'polling' | 'off'} LiveState
 */

export class LiveFeed {
  /**
   * @param {{
   *   token: string,
   *   scenario: string,
   *   socket: boolean,
   *   pollSeconds: number,
   *   backoffSeconds: number,
   *   inbox?: boolean,
   *   refresh: () => Promise<number | null>,
   *   onEvent: (event: LiveEvent) => void,
   * }} options `refresh` revalidates the page; it answers null when everything must stop (the token
   *   was refused) or else the least number of seconds to wait before the next poll. `inbox` (editors):
   *   follow the scenario's InboxItemArrived too.
   */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {number | undefined} */
    this.pollTimer = undefined;
    /** @type {number | undefined} */
    this.reconnectTimer = undefined;
    /** @type {number | undefined} */
    this.keepAliveTimer = undefined;
    this.failures = 0;
    this.stopped = false;
    /** @type {LiveState} */
    this.state = 'off';
    /** One revalidation at a time; a request arriving meanwhile runs once after it. */
    this.running = false;
    this.again = false;
  }

  start() {
    this.stopped = false;
    // Poll from the start: the page is current even before (or without) a socket.
    this.setState(this.options.socket ? 'connecting' : 'polling');
    this.poll();
    if (this.options.socket) this.connect();
  }

  stop() {
    this.stopped = true;
    window.clearTimeout(this.pollTimer);
    window.clearInterval(this.keepAliveTimer);
    window.clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, 'page closed');
    this.setState('off');
  }

  /** @param {LiveState} state */
  setState(state) {
    this.state = state;
    document.body.dataset.liveState = state;
    if (state !== 'live') delete document.body.dataset.liveInbox;
  }

  connect() {
    if (this.stopped) return;
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The one place the contract lets a token travel in a URL (a browser WebSocket cannot send headers).
    const url = `${scheme}//${window.location.host}/live?token=${encodeURIComponent(this.options.token)}`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.dropped();
      return;
    }
    this.socket = socket;
    document.body.dataset.liveAttempts = String((Number(document.body.dataset.liveAttempts) || 0) + 1);
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ action: 'subscribe', scenario: this.options.scenario }));
      if (this.options.inbox)
        socket.send(
          JSON.stringify({
            action: 'subscribe',
            scenario: this.options.scenario,
            events: ['InboxItemArrived'],
          }),
        );
    });
    socket.addEventListener('message', (message) => {
      if (socket !== this.socket) return;
      let data;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (!data || typeof data.type !== 'string') return;
      if (data.type === 'Subscribed' && Array.isArray(data.events)) {
        document.body.dataset.liveInbox = 'on';
        // Items that arrived before this subscription: the page reads the inbox again.
        this.options.onEvent({ type: 'InboxSubscribed' });
        return;
      }
      if (data.type === 'Subscribed') {
        this.failures = 0;
        window.clearTimeout(this.pollTimer);
        this.setState('live');
        this.keepAlive(socket);
        // Anything written between our last poll and the subscription: revalidate once.
        this.revalidate();
        return;
      }
      // Answers to our own frames (keepalive, a refused message) are not news.
      if (data.type === 'Pong' || data.type === 'Error' || data.type === 'Unsubscribed') return;
      this.options.onEvent(data);
      if (data.type !== 'InboxItemArrived') this.revalidate();
    });
    socket.addEventListener('close', () => {
      window.clearInterval(this.keepAliveTimer);
      if (socket === this.socket) this.dropped();
    });
  }

  /**
   * API Gateway closes a WebSocket that has sent nothing for 10 minutes, however busy the server side
   * is: a wall screen sends the protocol's `ping` every 5 minutes while live.
   * @param {WebSocket} socket
   */
  keepAlive(socket) {
    window.clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = window.setInterval(() => {
      if (socket === this.socket && socket.readyState === WebSocket.OPEN)
        socket.send(JSON.stringify({ action: 'ping' }));
    }, 5 * 60_000);
  }

  /** The socket failed, was refused, or dropped: poll, and try again later. */
  dropped() {
    this.socket = null;
    if (this.stopped) return;
    const wasLive = this.state === 'live';
    this.setState('polling');
    if (wasLive) this.poll();
    this.failures += 1;
    const base = this.options.backoffSeconds * 1000;
    const delay = Math.min(60_000, base * 2 ** Math.min(this.failures - 1, 10));
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), delay / 2 + Math.random() * (delay / 2));
  }

  isLive() {
    return this.state === 'live';
  }

  /** Revalidate now (an event, a subscription, a form that just wrote). */
  async revalidate() {
    if (this.running) {
      this.again = true;
      return null;
    }
    this.running = true;
    try {
      let wait;
      do {
        this.again = false;
        wait = await this.options.refresh();
        if (wait === null) {
          this.stop();
          return null;
        }
      } while (this.again && !this.stopped);
      return wait;
    } finally {
      this.running = false;
    }
  }

  async poll() {
    window.clearTimeout(this.pollTimer);
    if (this.stopped || this.state === 'live') return;
    let delay = this.options.pollSeconds * 1000;
    if (!document.hidden) {
      const wait = await this.revalidate();
      if (this.stopped) return;
      if (wait) delay = Math.max(delay, wait * 1000);
    }
    // The socket may have subscribed while we were revalidating: then it keeps the page current.
    if (this.stopped || this.isLive()) return;
    window.clearTimeout(this.pollTimer);
    this.pollTimer = window.setTimeout(() => this.poll(), delay);
  }
}
