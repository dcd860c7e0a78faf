/* Notes beside the text (blogext.sidenotes): where the post's right column is shown, a copy of each
 * footnote is drawn there, level with the paragraph citing it. The copies are aria-hidden: the
 * reference stays a link to the note at the end, which screen readers and print use. */
(function () {
  "use strict";
  const article = document.querySelector("article.bd-article");
  const container = document.querySelector(".bd-article-container");
  const sidebar = document.querySelector(".bd-sidebar-secondary");
  if (!article || !container) return;
  const GAP = 12;
  const notes = [];

  article.querySelectorAll("a.footnote-reference").forEach((ref) => {
    const id = decodeURIComponent((ref.getAttribute("href") || "").slice(1));
    const note = document.getElementById(id);
    if (!note || document.querySelector('.sidenote[data-note="' + id + '"]')) return;
    const copy = document.createElement("div");
    copy.className = "sidenote";
    copy.dataset.note = id;
    copy.setAttribute("aria-hidden", "true");
    const number = document.createElement("span");
    number.className = "sidenote-number";
    number.textContent = ref.textContent.replace(/[[\]]/g, "");
    copy.appendChild(number);
    [...note.children]
      .filter((e) => !e.classList.contains("label") && !e.classList.contains("backrefs"))
      .forEach((e) => {
        const part = e.cloneNode(true);
        part.querySelectorAll("[id]").forEach((x) => x.removeAttribute("id"));
        copy.appendChild(part);
      });
    container.appendChild(copy);
    notes.push({ ref: ref, copy: copy });
  });
  if (!notes.length) return;
  document.documentElement.classList.add("blog-has-sidenotes");

  function margin() {
    /* The theme shows the outline's column from 1200 px; narrower, it is a drawer. */
    if (!sidebar || !window.matchMedia("(min-width: 1200px)").matches) return null;
    if (getComputedStyle(sidebar).display === "none") return null;
    const box = sidebar.getBoundingClientRect();
    return box.width >= 180 ? box : null;
  }

  function layout() {
    const column = margin();
    document.documentElement.classList.toggle("blog-sidenotes-shown", column !== null);
    if (!column) return;
    const origin = container.getBoundingClientRect();
    const outline = sidebar.querySelector(".sidebar-secondary-items, nav");
    let floor = outline ? outline.getBoundingClientRect().bottom - origin.top + GAP : 0;
    notes.forEach(({ ref, copy }) => {
      const block = ref.closest("p, li, dd, td, h2, h3, h4, blockquote") || ref;
      const top = Math.max(block.getBoundingClientRect().top - origin.top, floor);
      copy.style.top = top + "px";
      copy.style.left = column.left - origin.left + 16 + "px";
      copy.style.width = column.width - 32 + "px";
      floor = top + copy.offsetHeight + GAP;
    });
  }

  layout();
  if ("ResizeObserver" in window) new ResizeObserver(layout).observe(article);
  window.addEventListener("resize", layout);
  window.addEventListener("load", layout);
  if (document.fonts) document.fonts.ready.then(layout);
})();
