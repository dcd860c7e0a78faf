// Share links (blogext.sharelinks): the "Share…" button opens the browser's own share sheet
// (Web Share API); it stays hidden where the browser has none.
(() => {
  const button = document.querySelector(".blog-share-native");
  if (!button || typeof navigator.share !== "function") return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.share({ title: button.dataset.title, url: button.dataset.url }).catch(() => {});
  });
})();
