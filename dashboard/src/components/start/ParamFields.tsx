import { Alert, NativeSelect, Text, TextInput } from "@mantine/core";
import type { StrategyParam } from "../../api/types";

const INPUT_MODE: Record<string, "numeric" | "decimal" | "text"> = {
  int: "numeric", float: "decimal", amount: "decimal", list: "text", text: "text", bool: "text",
};
const WHAT: Record<string, string> = {
  int: "whole number", float: "number", amount: "decimal amount", list: "comma-separated list", text: "text",
  bool: "yes or no",
};

export interface ParamCheck {
  /** "checking" while the API checks; "ok" when it accepted them; "invalid" with the reason. */
  state: "idle" | "checking" | "ok" | "invalid" | "unknown";
  /** Per parameter name: why it is refused. */
  fields: Record<string, string>;
  /** A reason that names no parameter, or why the check itself failed. */
  general: string | null;
}

/** One input per parameter of the strategy, its default as placeholder, the API's verdict under it. */
export function ParamFields({ params, values, onChange, check }: {
  params: StrategyParam[];
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
  check: ParamCheck;
}) {
  if (params.length === 0) return <Text c="dimmed" size="sm">This strategy takes no parameters.</Text>;
  return (
    <>
      <Text size="xs" c="dimmed" mb="xs" role="status" data-testid="params-check" data-state={check.state}>
        {check.state === "checking" ? "Checking the parameters…"
          : check.state === "ok" ? "The parameters are valid."
          : check.state === "invalid" ? "Some parameters are refused: see below."
          : "Empty fields take their default."}
      </Text>
      {check.general && <Alert color="red" role="alert" mb="xs" data-testid="params-error">{check.general}</Alert>}
      <div className="start-params">
        {params.map((p) => {
          const error = check.fields[p.name] ?? null;
          const description = [p.help, `${WHAT[p.type] ?? p.type}${p.default !== "" ? `, default ${p.default}` : ""}`]
            .filter(Boolean).join(" · ");
          if (p.type === "bool") {
            return (
              <NativeSelect key={p.name} label={p.name} wrapperProps={{ "data-param": p.name }} description={description} error={error}
                            value={values[p.name] ?? ""} onChange={(e) => onChange(p.name, e.currentTarget.value)}
                            data={[{ value: "", label: `default (${p.default || "—"})` }, { value: "true", label: "true" },
                              { value: "false", label: "false" }]} />
            );
          }
          return (
            <TextInput key={p.name} label={p.name} wrapperProps={{ "data-param": p.name }} description={description} error={error}
                       placeholder={p.default} value={values[p.name] ?? ""} inputMode={INPUT_MODE[p.type] ?? "text"}
                       autoComplete="off" spellCheck={false}
                       onChange={(e) => onChange(p.name, e.currentTarget.value)} />
          );
        })}
      </div>
    </>
  );
}
