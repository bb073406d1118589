import { Tooltip } from "@mantine/core";
import type { StreamStatus } from "../api/stream";
import { useStore } from "../store/store";

const LABEL: Record<StreamStatus, string> = {
  connecting: "Connecting",
  catching_up: "Behind: catching up",
  live: "Live",
  reconnecting: "Reconnecting",
  stopped: "Offline",
};

/** The event stream's state, always in view: live, behind (catching up) or reconnecting. */
export function ConnectionIndicator() {
  const stream = useStore((s) => s.stream);
  const label = LABEL[stream.status];
  const tip = [stream.detail, `${stream.received.toLocaleString("en-US")} events received`].filter(Boolean).join(" · ");
  return (
    <Tooltip label={tip} withArrow>
      <span className={`connection connection-${stream.status}`} role="status" aria-live="polite"
            data-testid="connection-status" data-status={stream.status} tabIndex={0}
            aria-label={`Event stream: ${label}${stream.detail ? ` (${stream.detail})` : ""}`}>
        <span className="connection-dot" aria-hidden="true" />
        {label}
      </span>
    </Tooltip>
  );
}
