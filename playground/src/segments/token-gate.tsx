/**
 * The segments pages need the segments API (`segql serve`). This gate asks it once: when it answers,
 * the page shows; when it wants a token (401), a form asks for it (kept in this browser); when nothing
 * answers (the app opened from a static host), it says how to start the server.
 */
import { useEffect, useId, useState, type ReactNode } from "react";
import { ApiError, health, saveToken, savedToken } from "./api.js";

let reachable = false;

/** The API answered (`#/` asked it before going to the segments): the gate need not ask again. */
export function apiAnswered(): void {
  reachable = true;
}

export function TokenGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<"ok" | "checking" | "token" | "down">(reachable ? "ok" : "checking");
  const [detail, setDetail] = useState("");
  const [token, setToken] = useState(savedToken() ?? "");
  // A token sent and refused: the form says so (it used to come back unchanged, as if nothing happened).
  const [refused, setRefused] = useState(false);
  const id = useId();
  const check = (sent = false) => {
    setState("checking");
    health().then(
      () => {
        reachable = true;
        setState("ok");
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) {
          setRefused(sent);
          setState("token");
        }
        else {
          setDetail(e instanceof ApiError ? e.problem.detail : String(e));
          setState("down");
        }
      },
    );
  };
  useEffect(() => {
    if (!reachable) check();
  }, []);
  if (state === "ok") return <>{children}</>;
  if (state === "checking") return <p className="page muted">Connecting to the segments API…</p>;
  if (state === "token") {
    return (
      <form
        className="page narrow card"
        onSubmit={(e) => {
          e.preventDefault();
          saveToken(token);
          check(true);
        }}
      >
        <h1>This server needs a token</h1>
        <p className="muted">It was started with <code>--token</code> (or <code>SEGQL_TOKEN</code>). The token is kept in this browser only.</p>
        <div className="field">
          <label htmlFor={id}>API token</label>
          <input
            id={id}
            type="password"
            value={token}
            onChange={(e) => {
              setToken(e.target.value);
              setRefused(false);
            }}
            autoComplete="current-password"
            aria-invalid={refused}
            aria-describedby={refused ? `${id}-refused` : undefined}
            autoFocus={refused}
            data-testid="token-input"
          />
          {refused && (
            <p id={`${id}-refused`} className="field-error" role="alert" data-testid="token-refused">
              The server refused this token: check it (it is the --token or SEGQL_TOKEN the server was started with) and try again.
            </p>
          )}
        </div>
        <button type="submit" className="primary">
          Connect
        </button>
      </form>
    );
  }
  return (
    <div className="page narrow card" role="alert">
      <h1>The segments API is not here</h1>
      <p>
        Segments live in a database behind <code>segql serve</code>. Start it with <code>npm start</code> (the demo data) or{" "}
        <code>segql serve --db crm.duckdb</code>, and open the address it prints.
      </p>
      <p className="muted small">{detail}</p>
      <p>
        <button type="button" onClick={() => check()}>
          Try again
        </button>{" "}
        or use the <a href="#/playground">playground</a>, which needs no server.
      </p>
    </div>
  );
}
