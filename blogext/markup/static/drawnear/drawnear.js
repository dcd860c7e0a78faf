// What the site's drawn elements share (diagrams.js, interactive.js): drawing each one when it comes
// within a screen of the viewport, and again when the reader switches between light and dark.

// Draws each of *elements* with draw(element) once it comes near the viewport; returns the observer
// (to stop watching an element drawn for another reason, such as printing).
export function drawWhenNear(elements, draw) {
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          near.unobserve(entry.target);
          draw(entry.target);
        }
      }
    },
    { rootMargin: "100% 0px" },
  );
  elements.forEach((element) => near.observe(element));
  return near;
}

// Calls redraw() whenever the page's theme (its data-theme) changes.
export function onThemeChange(redraw) {
  new MutationObserver(redraw).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ["data-theme"],
  });
}
