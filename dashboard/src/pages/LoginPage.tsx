import { Button, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router";
import { ErrorNotice } from "../components/ErrorNotice";
import { useStore } from "../store/store";

/** Where to go after signing in: a path of this dashboard only (never another site). */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const state = useStore((s) => s.auth);
  const signIn = useStore((s) => s.signIn);
  const [params] = useSearchParams();
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (state === "signed_in") return <Navigate to={safeNext(params.get("next"))} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(user.trim(), password);
    } catch (err) {
      setError(err);
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <Paper className="login-card" withBorder shadow="sm" p="lg" radius="md">
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack gap="md">
            <Title order={1} id="login-title" size="h3">Sign in to Cryptick</Title>
            {/* No asterisk (both are required) and a toggle named without "password": a test finds each
                field by its label alone, get_by_label("User") and get_by_label("Password"). */}
            <TextInput label="User" name="user" autoComplete="username" required withAsterisk={false} autoFocus
                       value={user} onChange={(e) => setUser(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" autoComplete="current-password" required withAsterisk={false}
                           visibilityToggleButtonProps={{ "aria-label": "Show what is typed" }}
                           value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <ErrorNotice error={error} title="Not signed in" />
            <Button type="submit" loading={busy} disabled={!user || !password}>Sign in</Button>
          </Stack>
        </form>
      </Paper>
    </main>
  );
}
