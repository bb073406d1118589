import { Center, Loader } from "@mantine/core";
import { lazy, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { Shell } from "./layout/Shell";
import { LoginPage } from "./pages/LoginPage";
import { useStore } from "./store/store";

// Pages load on demand: the charts (uPlot) come with the run page only.
const RunsPage = lazy(() => import("./pages/RunsPage"));
const RunPage = lazy(() => import("./pages/RunPage"));
const MarketsPage = lazy(() => import("./pages/MarketsPage"));
const MarketPage = lazy(() => import("./pages/MarketPage"));
const WalletsPage = lazy(() => import("./pages/WalletsPage"));
const LogsPage = lazy(() => import("./pages/LogsPage"));
const StartRunPage = lazy(() => import("./pages/StartRunPage"));
const MessagesPage = lazy(() => import("./pages/MessagesPage"));
const OverviewPage = lazy(() => import("./pages/OverviewPage"));
const OrdersPage = lazy(() => import("./pages/OrdersPage"));
const BacktestsPage = lazy(() => import("./pages/BacktestsPage"));
const AuditPage = lazy(() => import("./pages/AuditPage"));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

function Loading() {
  return (
    <Center className="page-loading" role="status" aria-live="polite">
      <Loader size="sm" aria-label="Loading" />
    </Center>
  );
}

/** Signed in, or sent to the login page with where to come back to. */
function RequireSession({ children }: { children: React.ReactNode }) {
  const state = useStore((s) => s.auth);
  const location = useLocation();
  if (state === "unknown") return <Loading />;
  if (state === "signed_out") {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  return <>{children}</>;
}

export function App() {
  const bootstrap = useStore((s) => s.bootstrap);
  useEffect(() => {
    void bootstrap();
  }, [bootstrap]);

  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireSession><Shell /></RequireSession>}>
        <Route index element={<Suspense fallback={<Loading />}><RunsPage /></Suspense>} />
        <Route path="runs/new" element={<Suspense fallback={<Loading />}><StartRunPage /></Suspense>} />
        <Route path="runs/:runId/messages" element={<Suspense fallback={<Loading />}><MessagesPage /></Suspense>} />
        <Route path="overview" element={<Suspense fallback={<Loading />}><OverviewPage /></Suspense>} />
        <Route path="orders" element={<Suspense fallback={<Loading />}><OrdersPage /></Suspense>} />
        <Route path="backtests" element={<Suspense fallback={<Loading />}><BacktestsPage /></Suspense>} />
        <Route path="runs/:runId" element={<Suspense fallback={<Loading />}><RunPage /></Suspense>} />
        <Route path="markets" element={<Suspense fallback={<Loading />}><MarketsPage /></Suspense>} />
        <Route path="markets/:venue/:pair" element={<Suspense fallback={<Loading />}><MarketPage /></Suspense>} />
        <Route path="wallets" element={<Suspense fallback={<Loading />}><WalletsPage /></Suspense>} />
        <Route path="logs" element={<Suspense fallback={<Loading />}><LogsPage /></Suspense>} />
        <Route path="audit" element={<Suspense fallback={<Loading />}><AuditPage /></Suspense>} />
        <Route path="*" element={<Suspense fallback={<Loading />}><NotFoundPage /></Suspense>} />
      </Route>
    </Routes>
  );
}
