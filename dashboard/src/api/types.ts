// Names for the API's shapes, all taken from the generated OpenAPI types (schema.ts): never copy a
// response shape by hand; if one is missing here, add an alias, and if it is missing from the API's
// document, ask for a response model there.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type { paths };
export type Me = Schemas["MeOut"];
export type RunSummary = Schemas["RunSummaryOut"];
export type RunDetail = Schemas["RunDetailOut"];
export type ComponentOut = Schemas["ComponentOut"];
export type RunLog = Schemas["LogOut"];
export type Market = Schemas["MarketOut"];
export type WalletSet = Schemas["WalletSetOut"];
export type Balance = Schemas["Balance"];
export type Amount = Schemas["Amount"];
export type Notice = Schemas["NoticeOut"];
export type ErrorBody = Schemas["ErrorOut"];
export type CommandOut = Schemas["CommandOut"];
export type SentOut = Schemas["SentOut"];
export type Strategy = Schemas["StrategyOut"];
export type StrategyParam = Schemas["StrategyParamOut"];
export type ParamsChecked = Schemas["ParamsCheckedOut"];
export type RunStart = Schemas["RunIn"];
export type RunStarted = Schemas["RunOut"];
export type Funds = Schemas["FundsIn"];
