/* Previews on hover and focus (blogext.previews): a link to a footnote, a citation, an equation,
 * a figure or another post shows what it points at in a popover beside it. The content is already
 * in the page (copied from the link's target, or the post's title and excerpt written into the
 * link by the build); nothing is fetched. The link stays a link; Escape closes the popover. */
(function () {
  "use strict";
  const article = document.querySelector("article.bd-article");
  if (!article) return;
  const popover = document.createElement("div");
  popover.className = "blog-preview";
  popover.id = "blog-preview";
  popover.setAttribute("role", "tooltip");
  popover.hidden = true;
  (article.closest("main") || document.body).appendChild(popover); /* inside a landmark */
  let current = null;
  let hideTimer = 0;

  function targetOf(link) {
    const href = link.getAttribute("href") || "";
    if (!href.startsWith("#") || href.length < 2) return null;
    return document.getElementById(decodeURIComponent(href.slice(1)));
  }

  /* What a link previews: a [kind, content nodes] pair, or null when it previews nothing. */
  function contentFor(link) {
    if (link.dataset.previewTitle) {
      const title = document.createElement("p");
      title.className = "blog-preview-title";
      title.textContent = link.dataset.previewTitle;
      const text = document.createElement("p");
      text.textContent = link.dataset.previewExcerpt || "";
      return ["post", [title, text]];
    }
    const target = targetOf(link);
    if (!target) return null;
    if (link.classList.contains("footnote-reference")) {
      const sidenote = document.querySelector('.sidenote[data-note="' + target.id + '"]');
      if (sidenote && sidenote.offsetParent !== null) return null; /* beside the text already */
      return ["note", [...target.children].filter((e) => !e.classList.contains("label"))];
    }
    if (target.closest(".citation, .footnote-list") && link.closest(".bibtex-citation")) {
      return ["citation", [...target.children].filter((e) => !e.classList.contains("label"))];
    }
    if (target.matches("div.math")) return ["equation", [target.querySelector(".katex-display") || target]];
    if (target.matches("figure")) return ["figure", [...target.children]];
    return null;
  }

  function copy(node) {
    const clone = node.cloneNode(true);
    clone.querySelectorAll("[id]").forEach((e) => e.removeAttribute("id"));
    if (clone.removeAttribute) clone.removeAttribute("id");
    clone.querySelectorAll("a.headerlink, a.fn-backref, .backrefs").forEach((e) => e.remove());
    return clone;
  }

  function show(link) {
    const found = contentFor(link);
    if (!found) return;
    clearTimeout(hideTimer);
    const [kind, parts] = found;
    popover.replaceChildren(...parts.map(copy));
    popover.dataset.kind = kind;
    popover.hidden = false;
    current = link;
    link.setAttribute("aria-describedby", popover.id);
    place(link);
  }

  function place(link) {
    const r = link.getBoundingClientRect();
    const width = Math.min(400, document.documentElement.clientWidth - 16);
    popover.style.width = width + "px";
    const origin = (popover.offsetParent || document.body).getBoundingClientRect();
    const left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8));
    popover.style.left = left - origin.left + "px";
    popover.style.top = r.bottom + 6 - origin.top + "px";
    const h = popover.getBoundingClientRect().height;
    if (r.bottom + 6 + h > window.innerHeight && r.top - 6 - h > 0) {
      popover.style.top = r.top - 6 - h - origin.top + "px";
    }
  }

  function hide() {
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    popover.hidden = true;
    popover.replaceChildren();
  }

  function later() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 250);
  }

  const links = article.querySelectorAll(
    "a.footnote-reference, .bibtex-citation a, a.reference.internal[href^='#'], a[data-preview-title]"
  );
  links.forEach((link) => {
    if (!contentFor(link) && !link.classList.contains("footnote-reference")) return;
    if (link.title && link.closest(".bibtex-citation")) {
      link.dataset.title = link.title; /* the popover says it; no second tooltip */
      link.removeAttribute("title");
    }
    link.addEventListener("mouseenter", () => show(link));
    link.addEventListener("mouseleave", later);
    link.addEventListener("focus", () => show(link));
    link.addEventListener("blur", later);
  });
  popover.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  popover.addEventListener("mouseleave", later);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && current) hide();
  });
  window.addEventListener("resize", () => current && place(current));
})();
