/** The package version, printed by `segql --version`. */
export const VERSION = "0.1.0";
