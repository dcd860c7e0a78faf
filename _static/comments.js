// Comments on request (blogext.comments): giscus is loaded from its host only when
// the reader clicks "Show comments"; its theme follows the page's light or dark mode.
(() => {
  const section = document.querySelector(".blog-comments");
  if (!section) return;
  const button = section.querySelector(".blog-comments-button");
  const thread = section.querySelector(".blog-comments-thread");
  const host = section.dataset.giscusHost;
  const theme = () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");

  button.addEventListener("click", () => {
    const script = document.createElement("script");
    script.src = `https://${host}/client.js`;
    script.async = true;
    script.crossOrigin = "anonymous";
    for (const [key, value] of Object.entries(section.dataset)) {
      if (key.startsWith("giscus") && key !== "giscusHost") {
        const name = key.slice("giscus".length).replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
        script.setAttribute("data" + name, value);
      }
    }
    script.setAttribute("data-theme", theme());
    thread.append(script);
    button.remove();
    section.classList.add("blog-comments-shown");
  });

  // The theme switcher sets data-theme on <html>: tell giscus' frame.
  new MutationObserver(() => {
    const frame = section.querySelector("iframe.giscus-frame");
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ giscus: { setConfig: { theme: theme() } } }, `https://${host}`);
    }
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
})();
