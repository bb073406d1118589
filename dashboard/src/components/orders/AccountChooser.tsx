import { Button, Group, NativeSelect, Text, TextInput } from "@mantine/core";
import { useEffect, useState, type FormEvent } from "react";
import { grantedAccounts, useStore } from "../../store/store";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** The granted accounts to choose from, or a typed account id for a principal granted every account. */
export function AccountChooser({ account, onChange }: { account: string; onChange: (account: string) => void }) {
  const me = useStore((s) => s.me);
  const granted = grantedAccounts(me);
  const [typed, setTyped] = useState(account);
  useEffect(() => setTyped(account), [account]);
  if (granted !== null) {
    if (granted.length === 0) return <Text c="dimmed">No account is granted to {me?.user}.</Text>;
    return (
      <NativeSelect label="Account" data={granted} value={account || granted[0]} className="account-picker"
                    onChange={(e) => onChange(e.currentTarget.value)} />
    );
  }
  const invalid = typed.trim() !== "" && !ID_PATTERN.test(typed.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim() && !invalid) onChange(typed.trim());
  };
  return (
    <form onSubmit={submit} className="account-picker">
      <Group align="flex-end" gap="xs">
        <TextInput label="Account" description="You may see every account: type its id" value={typed}
                   onChange={(e) => setTyped(e.currentTarget.value)}
                   error={invalid ? "letters, digits and . _ : @ - only" : null} />
        <Button type="submit" disabled={!typed.trim() || invalid}>Show</Button>
      </Group>
    </form>
  );
}
