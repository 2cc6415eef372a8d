// The type a dashboard JSON file must satisfy: @grafana/schema's Dashboard as
// JSON spells it. The schema declares some fields as TypeScript string enums
// (ThresholdsMode, FieldColorModeId, MappingType, ...); a string literal does
// not satisfy a string enum in TypeScript, although Grafana reads exactly those
// strings from a dashboard's JSON. Json<T> turns each string enum into the
// union of its values ("absolute" | "percentage") and keeps every other type as
// declared: numeric enums, unions, optional and required fields, and the
// excess-property check on object literals (a misspelled field fails).
import type { Dashboard } from '@grafana/schema';

export type Json<T> = T extends string
  ? `${T}`
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type DashboardJson = Json<Dashboard>;
