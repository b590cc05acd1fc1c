/**
 * Where the keyboard focus goes when the element that had it is gone — the link or button of a page that
 * was left, a notice dismissed — and nothing else took it: to the page's heading (its h1, made focusable
 * for this with tabindex -1). A screen reader then says which page this is, and the next Tab goes on from
 * there; left on the document's body, the focus went back to the top of the page, and screen readers read
 * from wherever they were.
 */

/** True when no element has the focus (the browser puts it on the body). */
export function focusIsLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || active === document.documentElement;
}

/** Puts the focus on the page's h1; false when the page has none (yet). */
export function focusPageHeading(): boolean {
  const heading = document.querySelector<HTMLElement>("main h1");
  if (!heading) return false;
  if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  return true;
}

/**
 * After going to another page in the app: once its h1 is drawn (a page loads its code and data first), the
 * focus goes to it if nothing has it. Watches `main` for a while; returns how to stop watching.
 */
export function focusHeadingWhenLost(main: HTMLElement, giveUpMs = 10_000): () => void {
  const settled = () => !focusIsLost() || focusPageHeading();
  if (settled()) return () => undefined;
  const observer = new MutationObserver(() => {
    if (settled()) stop();
  });
  const timer = window.setTimeout(() => stop(), giveUpMs);
  function stop() {
    observer.disconnect();
    window.clearTimeout(timer);
  }
  observer.observe(main, { childList: true, subtree: true });
  return stop;
}
