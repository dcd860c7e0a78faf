// Comments on request (blogext.comments): giscus is loaded from its host only when
// the reader clicks "Show comments"; its theme follows the page's light or dark mode.
// The section says what is happening (data-state and its status line, read out by screen
// readers): "loading" after the click, "loaded" when giscus' script has run, "failed" when it
// could not be loaded (blocked, offline), with a button to try again.
(() => {
  const section = document.querySelector(".blog-comments");
  if (!section) return;
  const button = section.querySelector(".blog-comments-button");
  const thread = section.querySelector(".blog-comments-thread");
  const note = section.querySelector(".blog-comments-note");
  const status = section.querySelector(".blog-comments-status");
  const host = section.dataset.giscusHost;
  const theme = () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");
  const says = {
    loading: `Loading comments from ${host}…`,
    loaded: `Comments are shown below, from ${host}. To comment you sign in with GitHub.`,
    failed: `Comments could not be loaded from ${host}: the connection failed or the site is blocked.`,
  };

  function show(state) {
    section.dataset.state = state;
    status.textContent = says[state];
    note.hidden = true;
    button.hidden = state !== "failed";
    button.textContent = state === "failed" ? "Try again" : button.textContent;
  }

  function load() {
    thread.replaceChildren();
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
    script.addEventListener("load", () => show("loaded"));
    script.addEventListener("error", () => {
      show("failed");
      button.focus();
    });
    show("loading");
    thread.append(script);
    section.classList.add("blog-comments-shown");
  }

  button.addEventListener("click", load);

  // The theme switcher sets data-theme on <html>: tell giscus' frame.
  new MutationObserver(() => {
    const frame = section.querySelector("iframe.giscus-frame");
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ giscus: { setConfig: { theme: theme() } } }, `https://${host}`);
    }
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
})();
