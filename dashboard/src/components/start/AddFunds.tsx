import { Autocomplete, Button, Group, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { newKey } from "../../api/client";
import { start } from "../../api/start";
import { ErrorNotice } from "../ErrorNotice";
import { toUnits } from "../../lib/decimal";

/** A virtual deposit (paper money) into the account's pool: an admin's form. The key is kept across
 *  retries of the same deposit (a network error or 503 may still have applied it). */
export function AddFunds({ account, venues, currencies, onDone }: {
  account: string; venues: string[]; currencies: string[]; onDone: () => void;
}) {
  const [venue, setVenue] = useState(venues[0] ?? "synthetic");
  const [currency, setCurrency] = useState("USD");
  const [amount, setAmount] = useState("");
  const [key, setKey] = useState(() => newKey("deposit"));
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const units = toUnits(amount);
  const invalid = amount.trim() !== "" && (units === null || units === 0n);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!venue.trim() || !currency.trim() || units === null || units === 0n) return;
    setSending(true);
    setError(null);
    setDone(null);
    try {
      const out = await start.deposit(account, { venue: venue.trim(), currency: currency.trim().toUpperCase(),
        amount: amount.trim(), command_id: key });
      setDone(out.status === "pending" ? `Deposit sent (${out.command_id}); the pool shows it once applied.`
        : `Deposited ${amount.trim()} ${currency.trim().toUpperCase()} on ${venue.trim()} into ${account}.`);
      setAmount("");
      setKey(newKey("deposit"));
      onDone();
    } catch (err) {
      setError(err);
      // Refused for good (a rule, a right): the next try is a new deposit. No answer: the same one.
      if (err instanceof ApiError && err.status !== 0 && err.status !== 503 && err.status !== 429) setKey(newKey("deposit"));
    } finally {
      setSending(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Add funds" data-testid="add-funds">
      <Text size="sm" mb="xs">Paper money into the pool of <strong>{account}</strong>.</Text>
      <Group align="flex-start" gap="xs" wrap="wrap">
        <Autocomplete label="Venue" data={venues} value={venue} onChange={setVenue} w={150} />
        <Autocomplete label="Currency" data={currencies} value={currency} onChange={setCurrency} w={110} />
        <TextInput label="Amount" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} inputMode="decimal"
                   placeholder="10000" w={140} autoComplete="off" error={invalid ? "a positive amount, 8 places at most" : null} />
      </Group>
      <Group mt="xs">
        <Button type="submit" variant="light" loading={sending} disabled={!units || !venue.trim() || !currency.trim()}>
          Deposit
        </Button>
      </Group>
      {done && <Text size="sm" c="green.8" mt="xs" role="status">{done}</Text>}
      <ErrorNotice error={error} title="The deposit did not go through" />
    </form>
  );
}
