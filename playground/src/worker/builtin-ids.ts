/** The ids of the built-in datasets the worker accepts. */
export const BUILTIN_IDS = ["telco", "retail", "generated"] as const;
