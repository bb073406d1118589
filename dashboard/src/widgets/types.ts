import type { WidgetState } from "../store/components";

/** What a control widget sends: the payload of a control message to its component. */
export type Send = (payload: unknown) => void;

/** Every renderer takes the component as the store holds it, and a way to send (null: read only). */
export interface WidgetProps {
  widget: WidgetState;
  send: Send | null;
  /** A control message of this widget is on its way: controls wait. */
  sending: boolean;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

export function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

export function num(v: unknown, fallback: number): number {
  return isNumber(v) ? v : fallback;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
