import { Button, Group, NativeSelect, Text, TextInput } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { grantedAccounts, useStore } from "../store/store";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** The account chooser: the granted accounts, or any account for a principal granted '*'. */
export function AccountPicker({ account, onChange }: { account: string; onChange: (account: string) => void }) {
  const me = useStore((s) => s.me);
  const runs = useStore((s) => s.runs);
  const runAccounts = useMemo(
    () => [...new Set(Object.values(runs).map((r) => r.account))].filter((a) => a && a !== "backtest").sort(),
    [runs],
  );
  const granted = grantedAccounts(me);
  const [typed, setTyped] = useState(account);
  useEffect(() => setTyped(account), [account]);
  if (granted !== null) {
    if (granted.length === 0) return <Text c="dimmed">No account is granted to {me?.user}.</Text>;
    return (
      <NativeSelect label="Account" data={granted} value={account || granted[0]}
                    onChange={(e) => onChange(e.currentTarget.value)} className="account-picker" />
    );
  }
  const invalid = typed.trim() !== "" && !ID_PATTERN.test(typed.trim());
  // Accounts the runs read so far name, and the API's default account of a paper run.
  const known = [...new Set(["paper", ...runAccounts])].filter((a) => a !== account);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim() && !invalid) onChange(typed.trim());
  };
  return (
    <form onSubmit={submit} className="account-picker">
      <Group align="flex-end" gap="xs">
        <TextInput label="Account" description="You may see every account: type its id" value={typed}
                   onChange={(e) => setTyped(e.currentTarget.value)} error={invalid ? "letters, digits and . _ : @ - only" : null} />
        <Button type="submit" disabled={!typed.trim() || invalid}>Show</Button>
      </Group>
      {known.length > 0 && (
        <Group gap={6} mt={6} aria-label="Quick picks" role="group">
          <Text size="xs" c="dimmed">Known:</Text>
          {known.map((a) => (
            <Button key={a} size="compact-xs" variant="subtle" onClick={() => onChange(a)}>{a}</Button>
          ))}
        </Group>
      )}
    </form>
  );
}
