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
 * After going to another page in the app: whenever the focus is lost while the page draws itself (its code,
 * then its data; a heading drawn again as the data comes), its h1 takes it. Until the page has an h1 (it
 * shows "Loading…" while its data comes), `main` holds the focus (it has tabindex -1): left on the body,
 * a screen reader said the document and read from the top, and a Tab started from the page's first link.
 * Watches `main` until the person presses a key or the pointer, or for `giveUpMs`; returns how to stop
 * watching. Call it in the same task as the commit that drew the new page (a layout effect), so no frame
 * is drawn with the focus on the body.
 */
export function focusHeadingWhenLost(main: HTMLElement, giveUpMs = 10_000): () => void {
  const place = () => {
    // The hold on `main` is ours to end: the heading takes the focus from it as soon as it is drawn.
    const holding = document.activeElement === main;
    if (!focusIsLost() && !holding) return;
    if (!focusPageHeading() && !holding) main.focus({ preventScroll: true });
  };
  const observer = new MutationObserver(place);
  const timer = window.setTimeout(() => stop(), giveUpMs);
  function stop() {
    observer.disconnect();
    window.clearTimeout(timer);
    document.removeEventListener("keydown", stop, true);
    document.removeEventListener("pointerdown", stop, true);
  }
  observer.observe(main, { childList: true, subtree: true });
  // The person acts: what happens to the focus from now on is theirs.
  document.addEventListener("keydown", stop, true);
  document.addEventListener("pointerdown", stop, true);
  place();
  return stop;
}
