// The dashboard's one store: what the reads gave and what the event stream changed since.
// Pages call the actions (reads, commands); widgets only select from the state and render.
import { create } from "zustand";
import { auth, logs, markets, runs, wallets } from "../api/endpoints";
import { onUnauthorized, setCsrfToken } from "../api/session";
import { DASHBOARD_KINDS, EventStream, type StreamState } from "../api/stream";
import type { Amount, Me, WalletSet } from "../api/types";
import { applyEvents, emptyData, marketKey, MAX_NOTICES, type DataState } from "./apply";
import { fromRead, type WidgetState } from "./components";

export type AuthState = "unknown" | "signed_in" | "signed_out";

export interface WalletView {
  sets: WalletSet[];
  unallocated: Amount[];
  read: string;
}

export interface Store extends DataState {
  auth: AuthState;
  me: Me | null;
  stream: StreamState;
  /** Bumped when the stream could not resume: pages read their data again. */
  resets: number;
  /** Wallet views by account, as last read. */
  walletViews: Record<string, WalletView>;

  bootstrap(): Promise<void>;
  signIn(user: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  loadRuns(): Promise<void>;
  loadRun(runId: string): Promise<void>;
  loadMarkets(): Promise<void>;
  loadNotices(): Promise<void>;
  loadWallets(account: string): Promise<void>;
  sendControl(runId: string, componentId: string, payload: unknown, idempotencyKey: string): Promise<void>;
  stopRun(runId: string, release: boolean): Promise<void>;
}

const idleStream: StreamState = { status: "stopped", detail: "", received: 0, lastEventId: null };
let stream: EventStream | null = null;

export const useStore = create<Store>()((set, get) => {
  const startStream = () => {
    stream?.stop();
    stream = new EventStream(DASHBOARD_KINDS, {
      onEvents: (events) => set((s) => applyEvents(s, events)),
      onState: (state) => set({ stream: state }),
      // Each page reads its data again (lib/useLoad.ts): what is shown is what gets reloaded.
      onReset: () => set((s) => ({ resets: s.resets + 1 })),
      onRefused: () => {
        void auth.me().catch(() => undefined); // a 401 here signs the user out (api/client.ts)
      },
    });
    stream.start();
  };

  const signedIn = (me: Me) => {
    setCsrfToken(me.csrf_token);
    set({ auth: "signed_in", me });
    startStream();
  };

  const signedOut = () => {
    stream?.stop();
    stream = null;
    setCsrfToken(null);
    set({ ...emptyData(), auth: "signed_out", me: null, stream: idleStream, walletViews: {} });
  };

  onUnauthorized(() => {
    if (get().auth !== "signed_out") signedOut();
  });

  return {
    ...emptyData(),
    auth: "unknown",
    me: null,
    stream: idleStream,
    resets: 0,
    walletViews: {},

    async bootstrap() {
      try {
        signedIn(await auth.me());
      } catch {
        signedOut();
      }
    },

    async signIn(user, password) {
      const answer = await auth.login(user, password);
      setCsrfToken(answer.csrf_token);
      signedIn(answer);
    },

    async signOut() {
      try {
        await auth.logout();
      } finally {
        signedOut();
      }
    },

    async loadRuns() {
      const list = await runs.list(200);
      set((s) => {
        const byId = { ...s.runs };
        for (const r of list) byId[r.run_id] = r;
        return { runs: byId };
      });
    },

    async loadRun(runId) {
      const [detail, lines] = await Promise.all([
        runs.get(runId),
        runs.logs(runId, 200).catch(() => null), // a backtest has no log lines here
      ]);
      set((s) => {
        const previous = s.widgets[runId] ?? {};
        const widgets: Record<string, WidgetState> = { ...previous };
        const order = [...(s.widgetOrder[runId] ?? [])];
        for (const c of detail.components) {
          widgets[c.component_id] = fromRead(c, previous[c.component_id]);
          if (!order.includes(c.component_id)) order.push(c.component_id);
        }
        const { components: _ignored, ...summary } = detail;
        return {
          runDetails: { ...s.runDetails, [runId]: detail },
          runs: { ...s.runs, [runId]: { ...summary } },
          widgets: { ...s.widgets, [runId]: widgets },
          widgetOrder: { ...s.widgetOrder, [runId]: order },
          runLogs: lines ? { ...s.runLogs, [runId]: lines } : s.runLogs,
        };
      });
    },

    async loadMarkets() {
      const list = await markets.list();
      set({ markets: Object.fromEntries(list.map((m) => [marketKey(m.venue, m.pair), m])) });
    },

    async loadNotices() {
      const list = await logs.recent(MAX_NOTICES);
      set({ notices: list });
    },

    async loadWallets(account) {
      const [sets, unallocated] = await Promise.all([wallets.sets(account), wallets.unallocated(account)]);
      set((s) => ({ walletViews: { ...s.walletViews, [account]: { sets, unallocated, read: new Date().toISOString() } } }));
    },

    async sendControl(runId, componentId, payload, idempotencyKey) {
      await runs.control(runId, componentId, payload, idempotencyKey);
    },

    async stopRun(runId, release) {
      await runs.stop(runId, release);
    },
  };
});

/** The account ids the signed-in principal may use; null for every account ('*'). */
export function grantedAccounts(me: Me | null): string[] | null {
  if (!me) return [];
  if (me.accounts.trim() === "*") return null;
  return me.accounts.split(",").map((a) => a.trim()).filter(Boolean);
}

export function mayTrade(me: Me | null): boolean {
  return me?.role === "trader" || me?.role === "admin";
}
