/** Entry point: mounts the app. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, startFirstScreen } from "./app.js";
import { parseHash } from "./router.js";
import "./styles.css";
import "./segments/segments.css";

startFirstScreen(parseHash(window.location.hash));

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
