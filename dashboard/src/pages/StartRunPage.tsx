import { Alert, Anchor, Button, Card, Checkbox, Group, NativeSelect, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { newKey } from "../api/client";
import { ApiError, messageOf } from "../api/errors";
import { start } from "../api/start";
import type { Amount, Strategy } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { PageHeader } from "../components/PageHeader";
import { AddFunds } from "../components/start/AddFunds";
import { AllocationRows } from "../components/start/AllocationRows";
import { ParamFields, type ParamCheck } from "../components/start/ParamFields";
import { buildRunBody, rowsFromPool, type Row } from "../components/start/money";
import "../components/start/start.css";
import { useLoad } from "../lib/useLoad";
import { runPath } from "../routes";
import { grantedAccounts, mayTrade, useStore } from "../store/store";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const CHECK_AFTER_MS = 400; // the parameters are checked once the user pauses typing
const IDLE: ParamCheck = { state: "idle", fields: {}, general: null };

const LAND_WITHIN_MS = 10_000;

/** Resolves once the stream has brought the run into the store (so its page reads it at once, rather
 *  than a "no run yet"), or after `ms` whatever happened. */
function untilKnown(runId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (useStore.getState().runs[runId]) return resolve();
    const stop = () => { clearTimeout(timer); unsubscribe(); resolve(); };
    const timer = setTimeout(stop, ms);
    const unsubscribe = useStore.subscribe((s) => { if (s.runs[runId]) stop(); });
  });
}

/** A refusal for good (a rule, a right, a conflict): the next try is a new start, with a new key. */
const isFinal = (e: unknown) => e instanceof ApiError && ![0, 429, 503].includes(e.status);

/** The parameters checked live by the API (debounced), as a start would check them. */
function useParamCheck(strategy: string, values: Record<string, string>): ParamCheck {
  const [check, setCheck] = useState<ParamCheck>(IDLE);
  const typed = useMemo(() => Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== "")
    .map(([k, v]) => [k, v.trim()])), [values]);
  const text = JSON.stringify(typed);
  useEffect(() => {
    if (!strategy) return;
    const abort = new AbortController();
    setCheck((c) => ({ ...c, state: "checking" }));
    const timer = setTimeout(() => {
      start.check(strategy, JSON.parse(text) as Record<string, string>, abort.signal).then(
        () => setCheck({ state: "ok", fields: {}, general: null }),
        (e: unknown) => {
          if (abort.signal.aborted) return;
          if (e instanceof ApiError && e.status === 422) {
            const fields: Record<string, string> = {};
            for (const f of e.fields) if (f.field.startsWith("params.")) fields[f.field.slice(7)] = f.message;
            setCheck({ state: "invalid", fields, general: Object.keys(fields).length ? null : e.message });
          } else {
            setCheck({ state: "unknown", fields: {}, general: `The parameters could not be checked: ${messageOf(e)}` });
          }
        },
      );
    }, CHECK_AFTER_MS);
    return () => { clearTimeout(timer); abort.abort(); };
  }, [strategy, text]);
  return check;
}

/** The account the run draws from: a granted one, or any (a principal granted '*'; "paper" by default). */
function AccountField({ account, onChange }: { account: string; onChange: (a: string) => void }) {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const [typed, setTyped] = useState(account);
  useEffect(() => setTyped(account), [account]);
  if (granted !== null) {
    if (granted.length === 0) return <Alert color="yellow">No account is granted to {me?.user}: an admin grants one.</Alert>;
    return <NativeSelect label="Account" data={granted} value={account} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
  const invalid = typed !== "" && !ID_PATTERN.test(typed.trim());
  return (
    <TextInput label="Account" description="You may use every account: type its id (paper by default)" value={typed}
               error={invalid ? "letters, digits and . _ : @ - only" : null}
               onChange={(e) => setTyped(e.currentTarget.value)}
               onBlur={() => { if (!invalid && typed.trim()) onChange(typed.trim()); }}
               onKeyDown={(e) => { if (e.key === "Enter" && !invalid && typed.trim()) { e.preventDefault(); onChange(typed.trim()); } }} />
  );
}

/** Run configuration: strategy and its parameters (checked as typed), mode, account, allocation from the
 *  account's pool, and paper money for an admin. Starts a paper run and opens its page. */
export default function StartRunPage() {
  const me = useStore((s) => s.me);
  const isAdmin = me?.role === "admin";
  const canTrade = mayTrade(me);
  const granted = grantedAccounts(me);
  const navigate = useNavigate();
  const [search] = useSearchParams();

  const [strategies, setStrategies] = useState<Strategy[]>([]);
  const strategiesLoad = useLoad(() => start.strategies().then(setStrategies), []);
  const [picked, setStrategy] = useState(search.get("strategy") ?? "");
  // The one picked, else the first listed (derived, not set by an effect: a pick made meanwhile wins).
  const chosen = strategies.find((s) => s.name === picked) ?? strategies[0];
  const strategy = chosen?.name ?? "";

  const [mode, setMode] = useState("paper");
  const [account, setAccount] = useState(granted === null ? "paper" : granted[0] ?? "");
  const [values, setValues] = useState<Record<string, string>>({});
  const check = useParamCheck(chosen ? strategy : "", values);
  const [deposit, setDeposit] = useState(false);
  const [durationS, setDurationS] = useState("");

  // The pool: read when the account changes, after a deposit, and when the stream reports wallet events.
  const [pool, setPool] = useState<Amount[]>([]);
  const [rows, setRows] = useState<Row[]>([]);
  const readPool = useCallback(async () => {
    if (!account) return;
    const found = await start.pool(account);
    setPool(found);
    setRows((previous) => [...rowsFromPool(found, previous),
      ...previous.filter((r) => r.available === "0" && !found.some((a) => a.venue === r.venue && a.currency === r.currency))]);
  }, [account]);
  const poolLoad = useLoad(readPool, [readPool]);
  const walletsVersion = useStore((s) => s.walletsVersion);
  const seen = useRef(walletsVersion);
  useEffect(() => {
    if (walletsVersion === seen.current) return;
    const timer = setTimeout(() => { seen.current = walletsVersion; void readPool().catch(() => undefined); }, 1000);
    return () => clearTimeout(timer);
  }, [walletsVersion, readPool]);

  // Venues and currencies to offer for deposits: the listed markets'.
  const loadMarkets = useStore((s) => s.loadMarkets);
  const markets = useStore((s) => s.markets);
  useEffect(() => { if (isAdmin) void loadMarkets().catch(() => undefined); }, [isAdmin, loadMarkets]);
  const venues = useMemo(() => [...new Set(Object.values(markets).map((m) => m.venue))].sort(), [markets]);
  const currencies = useMemo(() => [...new Set(Object.values(markets).flatMap((m) => [m.base, m.quote]))].sort(), [markets]);

  // One key per start: a retry after no answer (or a 503) is the same run, however often it is sent.
  const [commandId, setCommandId] = useState(() => newKey("run"));
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<string[]>([]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const { body, problems: found } = buildRunBody({ strategy, account, params: values, rows, deposit: deposit && isAdmin, durationS, commandId });
    setProblems(found);
    if (found.length) return; // the parameters are the API's to judge: its reason shows under the form
    setSending(true);
    try {
      const started = await start.run(body);
      await untilKnown(started.run_id, LAND_WITHIN_MS);
      navigate(runPath(started.run_id));
    } catch (err) {
      setError(err);
      if (isFinal(err)) setCommandId(newKey("run"));
    } finally {
      setSending(false);
    }
  };

  const changeStrategy = (name: string) => { setStrategy(name); setValues({}); };
  const retrying = error !== null && !isFinal(error);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={<span id="page-title">Start a run</span>} />
      <ErrorNotice error={strategiesLoad.error} onRetry={strategiesLoad.reload} title="The strategies could not be read" />
      {!canTrade && <Alert color="yellow" mb="md">Your role ({me?.role}) may look but not start runs: a trader or an admin starts them.</Alert>}
      <div className="start-layout">
        <form onSubmit={submit} aria-label="Start a run" noValidate>
          <Stack gap="md">
            <Group align="flex-end" gap="md" wrap="wrap">
              <NativeSelect label="Strategy" value={strategy} onChange={(e) => changeStrategy(e.currentTarget.value)}
                            data={strategies.map((s) => s.name)} disabled={!strategies.length} miw={220} />
              <div>
                <Text size="sm" fw={500} id="mode-label" mb={4}>Mode</Text>
                <SegmentedControl aria-labelledby="mode-label" value={mode} onChange={setMode}
                                  data={[{ value: "paper", label: "Paper" }, { value: "backtest", label: "Backtest" },
                                    { value: "live", label: "Live (not yet)", disabled: true }]} />
              </div>
            </Group>
            {chosen && <Text size="sm" c="dimmed" data-testid="strategy-description">{chosen.description}</Text>}

            {mode === "backtest" ? (
              <Alert color="blue" title="Backtests run on recorded or synthetic markets">
                Choose the time range and dataset and read the report on the{" "}
                <Anchor component={Link} to={`/backtests?strategy=${encodeURIComponent(strategy)}`}>Backtests page</Anchor>.
              </Alert>
            ) : (
              <>
                <AccountField account={account} onChange={setAccount} />

                <fieldset className="start-fieldset">
                  <legend>Parameters</legend>
                  {chosen && <ParamFields params={chosen.params} values={values} check={check}
                                          onChange={(name, v) => setValues((old) => ({ ...old, [name]: v }))} />}
                </fieldset>

                <fieldset className="start-fieldset">
                  <legend>Allocation from the pool of {account || "—"}</legend>
                  <Checkbox mb="sm" label="Deposit the allocation as paper money first" checked={deposit && isAdmin}
                            disabled={!isAdmin} onChange={(e) => setDeposit(e.currentTarget.checked)}
                            description={isAdmin ? "Any amount: it is deposited into the pool, then allocated."
                              : "Only an admin may deposit paper money; the run takes what the pool holds."} />
                  <ErrorNotice error={poolLoad.error} onRetry={poolLoad.reload} title={`The pool of ${account} could not be read`} />
                  <AllocationRows rows={rows} onChange={setRows} deposit={deposit && isAdmin} venues={venues} currencies={currencies} />
                  {pool.length > 0 && !(deposit && isAdmin) && <Text size="xs" c="dimmed" mt={4}>Amounts above what is available are capped to it.</Text>}
                </fieldset>

                <TextInput label="Stop after (seconds of market time)" description="Optional: empty runs until stopped."
                           value={durationS} onChange={(e) => setDurationS(e.currentTarget.value)} inputMode="numeric" maw={280} />

                {problems.length > 0 && (
                  <ul className="start-problems" role="alert" data-testid="start-problems">
                    {problems.map((p) => <li key={p}>{p}</li>)}
                  </ul>
                )}
                <ErrorNotice error={error} title={retrying ? "The start was not confirmed" : "The run was not started"} />
                {retrying && <Text size="sm">Trying again is safe: it is the same start ({commandId}), applied once.</Text>}
                <Group>
                  <Button type="submit" loading={sending} disabled={!canTrade || !chosen || !account}>
                    {retrying ? "Try the start again" : "Start run"}
                  </Button>
                </Group>
              </>
            )}
          </Stack>
        </form>

        <Card withBorder padding="sm" component="aside" aria-labelledby="funds-title">
          <Title order={2} size="h5" id="funds-title" mb="xs">Add funds</Title>
          {isAdmin && account ? (
            <AddFunds account={account} venues={venues} currencies={currencies} onDone={() => void readPool().catch(() => undefined)} />
          ) : (
            <Text size="sm" c="dimmed">{isAdmin ? "Choose an account first." : "Only an admin may deposit paper money into an account's pool."}</Text>
          )}
        </Card>
      </div>
    </section>
  );
}
