/* Figures (blogext.figures): an "Enlarge" button on each figure's image opens it in a <dialog>
 * (Escape, the close button or a click closes it, and focus goes back to the button); a
 * full-bleed figure is given the offset that makes it span the window. */
(function () {
  "use strict";
  const article = document.querySelector("article.bd-article");
  if (!article) return;
  const dialog = document.createElement("dialog");
  dialog.className = "figure-dialog";
  dialog.setAttribute("aria-label", "Enlarged figure");
  const close = document.createElement("button");
  close.type = "button";
  close.className = "figure-dialog-close";
  close.textContent = "Close";
  const holder = document.createElement("figure");
  dialog.append(close, holder);
  document.body.appendChild(dialog);
  let opener = null;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener && opener.focus());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.tagName === "IMG") dialog.close();
  });

  article.querySelectorAll("figure").forEach((figure, index) => {
    const image = figure.querySelector("img");
    if (!image) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "figure-enlarge";
    const number = figure.querySelector(".figure-number");
    const name = number ? number.textContent.trim().replace(/\.$/, "") : "figure " + (index + 1);
    button.textContent = "Enlarge";
    button.setAttribute("aria-label", "Enlarge " + name);
    image.insertAdjacentElement("afterend", button);
    const open = () => {
      const big = image.cloneNode(true);
      big.removeAttribute("width");
      big.removeAttribute("height");
      const caption = figure.querySelector("figcaption");
      holder.replaceChildren(big);
      if (caption) {
        const text = caption.cloneNode(true);
        text.querySelectorAll("a.headerlink").forEach((e) => e.remove());
        holder.appendChild(text);
      }
      dialog.showModal();
      close.focus();
    };
    const openFrom = () => {
      opener = button;
      open();
    };
    button.addEventListener("click", openFrom);
    image.addEventListener("click", openFrom);
  });

  function bleed() {
    const width = document.documentElement.clientWidth;
    article.querySelectorAll("figure.full-bleed").forEach((figure) => {
      const parent = figure.parentElement.getBoundingClientRect();
      figure.style.setProperty("--figure-bleed-left", -parent.left + "px");
      figure.style.setProperty("--figure-bleed-width", width + "px");
    });
  }
  bleed();
  window.addEventListener("resize", bleed);
})();
