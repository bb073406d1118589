import { createContext, useContext } from "react";

/** What a run page offers its widgets for the confirmation prompt (widgets/prompt.ts). */
export interface PromptHost {
  /** A control of `componentId` was sent from this page: a proposal it causes opens the dialog. */
  sent(componentId: string): void;
  /** The user pressed `action` of `componentId`: true when the dialog asks for it (do not send). */
  ask(componentId: string, action: string): boolean;
}

export const PromptHostContext = createContext<PromptHost | null>(null);

export function usePromptHost(): PromptHost | null {
  return useContext(PromptHostContext);
}
