import { Button, Group, Text } from "@mantine/core";
import { NavLink, Outlet } from "react-router";
import { ConnectionIndicator } from "../components/ConnectionIndicator";
import { NotificationCentre } from "../components/notifications/NotificationCentre";
import { NAV } from "../routes";
import { useStore } from "../store/store";

/** The frame of every signed-in page: brand, navigation, the stream's state, who is signed in. */
export function Shell() {
  const me = useStore((s) => s.me);
  const signOut = useStore((s) => s.signOut);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="shell-header">
        <div className="shell-brand">
          <span className="shell-logo" aria-hidden="true">◆</span> Cryptick
        </div>
        <nav aria-label="Main" className="shell-nav">
          <ul>
            {NAV.map((entry) => (
              <li key={entry.path}>
                <NavLink to={entry.path} end={entry.path === "/"}
                         className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}>
                  {entry.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <Group gap="sm" className="shell-status" wrap="nowrap">
          <ConnectionIndicator />
          <NotificationCentre />
          {me && (
            <Text size="sm" className="shell-user" data-testid="signed-in-user">
              {me.user} <span className="muted">({me.role})</span>
            </Text>
          )}
          <Button size="xs" variant="default" onClick={() => void signOut()}>Sign out</Button>
        </Group>
      </header>
      <main id="main" className="shell-main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
