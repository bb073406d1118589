import { Autocomplete, Button, Checkbox, Chip, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { ReportKind } from "../../api/audit";
import { grantedAccounts, useStore } from "../../store/store";
import { ACTIONS, DEFAULT_FEE_GROUPS, EVERY, FEE_GROUPS, PERIODS, REFUSED_KINDS, reportInfo, takes } from "./model";

type Values = Record<string, string>;

/** A comma-separated list as chips to toggle (none chosen: the API's default). */
function ChipList({ label, options, value, onChange }: {
  label: string; options: readonly string[]; value: string; onChange: (value: string) => void;
}) {
  const chosen = value.split(",").map((v) => v.trim()).filter(Boolean);
  return (
    <div role="group" aria-label={label}>
      <Text size="sm" fw={500} mb={4}>{label}</Text>
      <Chip.Group multiple value={chosen} onChange={(next) => onChange(options.filter((o) => next.includes(o)).join(","))}>
        <Group gap={6}>{options.map((o) => <Chip key={o} value={o} size="xs">{o}</Chip>)}</Group>
      </Chip.Group>
    </div>
  );
}

/** The chosen report's parameters; submitting puts them in the page's address (a link to this answer). */
export function ReportForm({ kind, values, missing, busy, onRun }: {
  kind: ReportKind; values: Values; missing: string | null; busy: boolean; onRun: (values: Values) => void;
}) {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const runs = useStore((s) => s.runs);
  const loadRuns = useStore((s) => s.loadRuns);
  const [draft, setDraft] = useState<Values>(values);
  useEffect(() => setDraft(values), [values]);
  useEffect(() => {
    if (kind === "run" || kind === "fees") void loadRuns().catch(() => undefined); // the picker only
  }, [kind, loadRuns]);
  const recentRuns = useMemo(() => Object.values(runs)
    .sort((a, b) => (b.started ?? "").localeCompare(a.started ?? ""))
    .slice(0, 50)
    .map((r) => r.run_id), [runs]);

  const set = (name: string) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const text = (name: string) => draft[name] ?? "";
  const info = reportInfo(kind);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onRun(draft);
  };

  return (
    <form onSubmit={submit} className="audit-form" aria-label={`${info.label}: parameters`}>
      <Stack gap={4}>
        <Text size="sm" c="dimmed">{info.about}</Text>
        {info.admin && me?.role !== "admin" && (
          <Text size="sm" c="orange.9">For an admin: your role ({me?.role ?? "none"}) will be refused.</Text>
        )}
        {kind === "order" && (
          <TextInput label="Order id" value={text("order")} onChange={(e) => set("order")(e.currentTarget.value)}
                     placeholder="the order's client order id" required autoComplete="off" />
        )}
        {(kind === "run" || kind === "fees") && (
          <Autocomplete label={kind === "run" ? "Run" : "Run (optional)"} data={recentRuns} value={text("run")}
                        onChange={set("run")} placeholder={kind === "run" ? "pick a recent run or type its id" : "every run"}
                        required={kind === "run"} limit={50} />
        )}
        {kind === "run" && (
          <Checkbox label="With its info and debug log lines" checked={text("logs") === "true"} mt={4} mb={6}
                    onChange={(e) => set("logs")(e.currentTarget.checked ? "true" : "")} />
        )}
        {takes(kind, "account") && (granted !== null ? (
          <NativeSelect label="Account" data={granted} value={text("account") || granted[0] || ""}
                        onChange={(e) => set("account")(e.currentTarget.value)} />
        ) : (
          <TextInput label="Account" description="blank: every account" value={text("account")}
                     onChange={(e) => set("account")(e.currentTarget.value)} autoComplete="off" />
        ))}
        {kind === "commands" && (
          <>
            <TextInput label="Principal" description="a user, cli:<user>, run:<id> or backtest; blank: anyone"
                       value={text("principal")} onChange={(e) => set("principal")(e.currentTarget.value)} autoComplete="off" />
            <NativeSelect label="Action" data={[{ value: "", label: "any action" }, ...ACTIONS]} value={text("action")}
                          onChange={(e) => set("action")(e.currentTarget.value)} />
          </>
        )}
        {(kind === "fills" || kind === "book" || kind === "series") && (
          <Group gap="xs" grow>
            <TextInput label="Venue" placeholder="every venue" value={text("venue")}
                       onChange={(e) => set("venue")(e.currentTarget.value)} autoComplete="off" />
            <TextInput label="Pair" placeholder="every pair" value={text("pair")}
                       onChange={(e) => set("pair")(e.currentTarget.value)} autoComplete="off" />
          </Group>
        )}
        {kind === "book" && (
          <>
            <TextInput type="datetime-local" step={1} label="At (UTC)" value={text("at")} required
                       onChange={(e) => set("at")(e.currentTarget.value)} />
            <TextInput type="number" label="Levels a side" min={1} max={1000} value={text("depth") || "20"}
                       onChange={(e) => set("depth")(e.currentTarget.value)} />
          </>
        )}
        {kind === "series" && (
          <Group gap="xs" grow>
            <NativeSelect label="Every" data={[...EVERY]} value={text("every") || "1m"}
                          onChange={(e) => set("every")(e.currentTarget.value)} />
            <TextInput type="number" label="Depth (levels)" min={1} max={1000} value={text("levels") || "10"}
                       onChange={(e) => set("levels")(e.currentTarget.value)} />
          </Group>
        )}
        {kind === "fees" && (
          <ChipList label="Group by" options={FEE_GROUPS} value={text("by") || DEFAULT_FEE_GROUPS} onChange={set("by")} />
        )}
        {kind === "refused" && (
          <ChipList label="What (none chosen: all)" options={REFUSED_KINDS} value={text("kinds")} onChange={set("kinds")} />
        )}
        {takes(kind, "period") && (
          <>
            <NativeSelect label="Period" data={PERIODS.map((p) => ({ ...p }))} value={text("period") || "all"}
                          onChange={(e) => set("period")(e.currentTarget.value)} mt={4} />
            {text("period") === "custom" && (
              <Group gap="xs" grow>
                <TextInput type="datetime-local" label="Since (UTC)" value={text("since")}
                           onChange={(e) => set("since")(e.currentTarget.value)} />
                <TextInput type="datetime-local" label="Until (UTC)" value={text("until")}
                           onChange={(e) => set("until")(e.currentTarget.value)} />
              </Group>
            )}
          </>
        )}
        {takes(kind, "limit") && (
          <TextInput type="number" label="At most (newest first)" min={1} max={100000} value={text("limit") || "1000"}
                     onChange={(e) => set("limit")(e.currentTarget.value)} />
        )}
        <Group mt="xs" gap="xs">
          <Button type="submit" loading={busy}>Run report</Button>
        </Group>
        {missing && <Text size="sm" c="dimmed" data-testid="audit-missing">{missing}</Text>}
      </Stack>
    </form>
  );
}
