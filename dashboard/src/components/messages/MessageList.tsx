import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { RunMessage } from "../../api/messages";
import { indexAfter, keyFields, messageKey, visibleRange } from "./model";
import "./messages.css";

/** Rows a line tall (two on a phone): the list draws only those in view, so ten thousand messages
 *  cost what thirty do. */
export const ROW_HEIGHT = 34;
export const ROW_HEIGHT_NARROW = 56;

// Plain elements in the rows (no UI-kit component): a scroll draws a screenful of new rows per frame.
const DIRECTION = { inbox: "inbox", outputs: "output" };

/** "2026-12-07T12:00:00.123456Z" as its date and its time of day (UTC, to the microsecond). */
function splitTime(iso: string): [string, string] {
  const [date = "", time = ""] = iso.replace("Z", "").split("T");
  return [date, time];
}

const Row = memo(function Row({ m, index, top, height, open, onOpen }: {
  m: RunMessage; index: number; top: number; height: number; open: boolean; onOpen: (m: RunMessage) => void;
}) {
  const [date, time] = splitTime(m.time);
  const fields = keyFields(m.event);
  const dir = DIRECTION[m.direction];
  return (
    <div role="row" aria-rowindex={index + 2} className={`msg-row msg-body-row${open ? " msg-open" : ""}`}
         style={{ transform: `translateY(${top}px)`, height }} onClick={() => onOpen(m)}
         data-testid="message-row" data-type={m.type} data-direction={m.direction}>
      <span role="cell" className="msg-cell msg-time mono" title={`${m.time} (UTC)`}>
        <span className="msg-date">{date} </span>{time}
      </span>
      <span role="cell" className="msg-cell"><span className={`msg-dir msg-dir-${m.direction}`}>{dir}</span></span>
      <span role="cell" className="msg-cell msg-type">{m.type}</span>
      <span role="cell" className="msg-cell msg-fields mono">
        {fields.map(([k, v], i) => <span key={k}>{i > 0 && " · "}{k} <b>{v}</b></span>)}
      </span>
      <span role="cell" className="msg-cell">
        <button type="button" className="msg-body-button" aria-haspopup="dialog"
                aria-label={`Body of ${m.type} at ${m.time}`}
                onClick={(e) => { e.stopPropagation(); onOpen(m); }}>Body</button>
      </span>
    </div>
  );
});

/** A run's messages, newest first, in a virtual list. `messages` are in time order (oldest first). */
export function MessageList({ messages, rowHeight, open, onOpen }: {
  messages: readonly RunMessage[]; rowHeight: number; open: RunMessage | null; onOpen: (m: RunMessage) => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const frame = useRef(0);
  const n = messages.length;

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // Newer messages go on top: a reader scrolled down keeps the rows under the eyes where they are.
  const newest = n ? messages[n - 1] : undefined;
  const shownNewest = useRef<RunMessage | undefined>(undefined);
  useLayoutEffect(() => {
    const el = viewport.current;
    const before = shownNewest.current;
    shownNewest.current = newest;
    if (!el || !before || !newest || before === newest || el.scrollTop <= 0) return;
    const added = n - indexAfter(messages, before);
    if (added > 0) {
      el.scrollTop += added * rowHeight;
      setScrollTop(el.scrollTop);
    }
  }, [messages, newest, n, rowHeight]);

  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(viewport.current?.scrollTop ?? 0));
  };

  const { start, end } = visibleRange(scrollTop, height, rowHeight, n);
  const rows = [];
  for (let i = start; i < end; i++) {
    const m = messages[n - 1 - i]!;
    rows.push(<Row key={messageKey(m)} m={m} index={i} top={i * rowHeight} height={rowHeight}
                   open={open !== null && messageKey(open) === messageKey(m)} onOpen={onOpen} />);
  }
  return (
    <div role="table" aria-label="Messages" aria-rowcount={n + 1} className="msg-list" data-testid="messages"
         data-count={n}>
      <div role="rowgroup" className="msg-head">
        <div role="row" aria-rowindex={1} className="msg-row">
          <span role="columnheader" className="msg-cell">Time (UTC)</span>
          <span role="columnheader" className="msg-cell">Direction</span>
          <span role="columnheader" className="msg-cell">Type</span>
          <span role="columnheader" className="msg-cell msg-fields-head">Key fields</span>
          <span role="columnheader" className="msg-cell"><span className="visually-hidden">Body</span></span>
        </div>
      </div>
      {/* Focusable so the keyboard scrolls it (arrows, Page Up/Down, Home/End). */}
      <div role="rowgroup" ref={viewport} className="msg-viewport" tabIndex={0} onScroll={onScroll}
           aria-label="Messages, newest first">
        <div className="msg-spacer" style={{ height: n * rowHeight }}>{rows}</div>
      </div>
    </div>
  );
}
