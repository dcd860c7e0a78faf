/* Search as you type, over the Pagefind index that blogext/search.py builds.
 *
 * - The navbar's search link ([data-blog-search-open]) opens a dialog; so do "/"
 *   (outside a text field) and Ctrl+K (Cmd+K on a Mac). Escape closes it.
 * - The search page (/search/, [data-blog-search-page]) searches for its ?q=
 *   (and ?tag=, ?category=, ?year=) and keeps the address in step with the field.
 * - Results: title, date, excerpt with the query's words marked; filters by tag,
 *   category and year; "More results" adds the next batch. Arrow keys move
 *   between the field and the results.
 *
 * pagefind/pagefind.js is imported from the site's root (found from this
 * script's own URL), on first use only, so the site works under any path
 * prefix, and it then loads just the index chunks and fragments a query needs.
 */
(() => {
  "use strict";

  // The site's root: where this script is, one folder up (_static/..). Right on every page, the 404
  // page too, which is served at any depth (its links are absolute, its data-content_root is not).
  const script = document.currentScript;
  const root = script
    ? new URL("../", script.src)
    : new URL(document.documentElement.dataset.content_root || "./", document.baseURI);
  const openers = [...document.querySelectorAll("[data-blog-search-open]")]; // the navbar's, wide and narrow
  const opener = openers[0];
  const settings = {
    placeholder: (opener && opener.dataset.placeholder) || "Search the blog",
    batch: Number(opener && opener.dataset.results) || 10,
  };
  const FILTERS = [
    ["tag", "Tag"],
    ["category", "Category"],
    ["year", "Year"],
  ];
  let counter = 0;

  let loading = null;
  function pagefind() {
    if (!loading) {
      // One index (blogext/outputs/searchindex.py indexes the site in parts and merges them into it).
      loading = import(new URL("pagefind/pagefind.js", root).href).then(async (module) => {
        await module.options({ excerptLength: 24 });
        await module.init();
        return module;
      });
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  }

  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  /* Pagefind's excerpt is text with <mark> around the query's words: rebuilt from text and marks only. */
  function marked(html) {
    const fragment = document.createDocumentFragment();
    const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html").body;
    for (const node of parsed.querySelectorAll("p")[0].childNodes) {
      if (node.nodeName === "MARK") fragment.append(make("mark", "", node.textContent));
      else fragment.append(document.createTextNode(node.textContent));
    }
    return fragment;
  }

  const wordKey = (word) => word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

  /* An excerpt centred on the query's words: Pagefind's own picks the stretch with the most matches,
   * often of one word only ("git", never "commit" for "git commit"), and may start inside the
   * title. This one takes the stretch of the page's text (after its title) holding the most of the
   * query's different words, starts it at a sentence's start and ends it at a sentence's end where
   * one is near, and marks every word the query's words start. Built from text nodes and <mark>s. */
  const EXCERPT_WORDS = 30;
  function centred(page, query) {
    const terms = [...new Set(query.split(/\s+/).map(wordKey).filter((term) => term.length > 1))];
    const words = (page.content || "").split(/\s+/).filter(Boolean);
    if (!terms.length || !words.length) return null;
    const titleWords = (page.meta.title || "").split(/\s+/).filter(Boolean);
    const skip = titleWords.every((word, at) => wordKey(word) === wordKey(words[at] || "")) ? titleWords.length : 0;
    const termOf = words.map((word) => terms.findIndex((term) => wordKey(word).startsWith(term)));
    const hits = [];
    for (let at = skip; at < words.length; at++) if (termOf[at] >= 0) hits.push(at);
    if (!hits.length) return null;
    let best = null;
    for (const hit of hits) {
      const start = Math.max(skip, hit - 5);
      const inside = hits.filter((at) => at >= start && at < start + EXCERPT_WORDS);
      const score = [new Set(inside.map((at) => termOf[at])).size, inside.length];
      if (!best || score[0] > best.score[0] || (score[0] === best.score[0] && score[1] > best.score[1])) {
        best = { start, score };
      }
    }
    const endsSentence = (word) => /[.!?:]["')\]]*$/.test(word);
    let start = best.start;
    for (let at = start - 1; at >= Math.max(skip, start - 10); at--) {
      if (endsSentence(words[at])) {
        start = at + 1;
        break;
      }
      if (at === skip) start = skip;
    }
    let end = Math.min(words.length, start + EXCERPT_WORDS);
    for (let at = end - 1; at < Math.min(words.length, end + 12); at++) {
      if (endsSentence(words[at])) {
        end = at + 1;
        break;
      }
    }
    const fragment = document.createDocumentFragment();
    if (start > skip) fragment.append(document.createTextNode("… "));
    for (let at = start; at < end; at++) {
      if (at > start) fragment.append(document.createTextNode(" "));
      if (termOf[at] >= 0) fragment.append(make("mark", "", words[at]));
      else fragment.append(document.createTextNode(words[at]));
    }
    if (end < words.length && !endsSentence(words[end - 1])) fragment.append(document.createTextNode(" …"));
    return fragment;
  }

  /* The title, with the words the query starts marked. */
  function titled(title, query) {
    const words = query
      .toLowerCase()
      .split(/\s+/)
      .filter((word) => word.length > 1);
    const fragment = document.createDocumentFragment();
    for (const part of title.split(/(\s+)/)) {
      const bare = part.toLowerCase().replace(/^\W+|\W+$/g, "");
      if (bare && words.some((word) => bare.startsWith(word))) fragment.append(make("mark", "", part));
      else fragment.append(document.createTextNode(part));
    }
    return fragment;
  }

  /* A search panel: filters, a status line read out to screen readers, results, "More results". */
  function panel(host, input, onChange) {
    const id = `blog-search-${++counter}`;
    const filters = make("details", "blog-search-filters");
    const summary = make("summary", "", "Filter by tag, category or year");
    const selects = {};
    const row = make("div", "blog-search-filter-row");
    for (const [key, label] of FILTERS) {
      const field = make("label", "blog-search-filter");
      field.append(make("span", "blog-search-filter-name", label));
      const select = make("select");
      select.name = key;
      select.append(new Option("Any", ""));
      select.addEventListener("change", () => run());
      field.append(select);
      row.append(field);
      selects[key] = select;
    }
    filters.append(summary, row);
    let filtersLoaded = null;
    function loadFilters(wanted = {}) {
      if (!filtersLoaded) {
        filtersLoaded = pagefind()
          .then((pf) => pf.filters())
          .then((all) => {
            for (const [key] of FILTERS) {
              const values = Object.entries(all[key] || {});
              values.sort(key === "year" ? (a, b) => b[0].localeCompare(a[0]) : (a, b) => a[0].localeCompare(b[0]));
              for (const [value, count] of values) selects[key].append(new Option(`${value} (${count})`, value));
            }
          });
      }
      return filtersLoaded.then(() => {
        for (const [key, value] of Object.entries(wanted)) if (value) selects[key].value = value;
      });
    }
    filters.addEventListener("toggle", () => filters.open && loadFilters());

    const status = make("p", "blog-search-status");
    status.id = `${id}-status`;
    status.setAttribute("role", "status");
    const list = make("ol", "blog-search-results");
    list.id = `${id}-results`;
    list.setAttribute("aria-label", "Search results");
    const more = make("button", "blog-search-more", "More results");
    more.type = "button";
    more.hidden = true;
    host.append(filters, status, list, more);
    input.setAttribute("aria-describedby", status.id);
    input.setAttribute("aria-controls", list.id);

    let sequence = 0;
    let results = [];
    let shown = 0;
    let query = "";

    function chosen() {
      const picked = {};
      for (const [key] of FILTERS) if (selects[key].value) picked[key] = selects[key].value;
      return picked;
    }

    async function showMore(current) {
      const batch = results.slice(shown, shown + settings.batch);
      const pages = await Promise.all(batch.map((result) => result.data()));
      if (current !== sequence) return;
      for (const page of pages) {
        const item = make("li", "blog-search-result");
        const link = make("a", "blog-search-result-link");
        link.href = page.url;
        link.append(titled(page.meta.title || page.url, query));
        item.append(link);
        if (page.meta.date) {
          const time = make("time", "blog-search-result-date", page.meta.date);
          if (page.meta.datetime) time.dateTime = page.meta.datetime;
          item.append(time);
        }
        const excerpt = make("p", "blog-search-result-excerpt");
        excerpt.append(centred(page, query) || marked(page.excerpt));
        item.append(excerpt);
        list.append(item);
      }
      const firstNew = list.children[shown];
      shown += batch.length;
      more.hidden = shown >= results.length;
      return firstNew;
    }

    async function run() {
      const current = ++sequence;
      query = input.value.trim();
      const picked = chosen();
      if (onChange) onChange(query, picked);
      if (!query && !Object.keys(picked).length) {
        list.replaceChildren();
        more.hidden = true;
        status.textContent = "";
        return;
      }
      let search;
      try {
        const pf = await pagefind();
        search = query
          ? await pf.debouncedSearch(query, { filters: picked }, 120)
          : await pf.search(null, { filters: picked, sort: { date: "desc" } }); // filters only: newest first
      } catch (error) {
        if (current === sequence) status.textContent = "Search is not available right now.";
        throw error;
      }
      if (search === null || current !== sequence) return; // a newer query is on its way
      results = search.results;
      shown = 0;
      list.replaceChildren();
      await showMore(current);
      if (current !== sequence) return;
      const count = results.length;
      const what = query ? `for “${query}”` : "with these filters";
      status.textContent = count ? `${count} result${count === 1 ? "" : "s"} ${what}` : `No results ${what}`;
    }

    more.addEventListener("click", async () => {
      const first = await showMore(sequence);
      if (first) first.querySelector("a").focus();
    });
    input.addEventListener("input", () => run());
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && list.querySelector("a")) {
        event.preventDefault();
        list.querySelector("a").focus();
      } else if (event.key === "Enter" && list.querySelector("a")) {
        event.preventDefault();
        list.querySelector("a").click();
      }
    });
    list.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const links = [...list.querySelectorAll("a")];
      const at = links.indexOf(document.activeElement);
      if (at < 0) return;
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.focus();
      else if (next < links.length) links[next].focus();
    });
    return { run, loadFilters, open: (value) => (filters.open = value) };
  }

  function field(inputId) {
    const wrapper = make("div", "blog-search-field");
    const icon = make("span", "blog-search-icon");
    icon.setAttribute("aria-hidden", "true");
    const input = make("input", "blog-search-input");
    Object.assign(input, { type: "search", id: inputId, placeholder: settings.placeholder, autocomplete: "off" });
    input.spellcheck = false;
    wrapper.append(icon, input);
    return { wrapper, input };
  }

  /* The dialog, made on first use. */
  let dialog = null;
  let dialogInput = null;
  let returnTo = null;
  function makeDialog() {
    dialog = make("dialog", "blog-search-dialog");
    dialog.setAttribute("aria-labelledby", "blog-search-dialog-label");
    const form = make("form", "blog-search-form");
    form.setAttribute("role", "search");
    form.addEventListener("submit", (event) => event.preventDefault());
    const label = make("label", "blog-search-field-label", settings.placeholder);
    label.id = "blog-search-dialog-label";
    label.htmlFor = "blog-search-dialog-input";
    const { wrapper, input } = field("blog-search-dialog-input");
    const close = make("button", "blog-search-close", "Close");
    close.type = "button";
    close.addEventListener("click", () => dialog.close());
    const top = make("div", "blog-search-top");
    top.append(wrapper, close);
    form.append(label, top);
    dialog.append(form);
    panel(dialog, input);
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault(); // one Escape closes, even from a search field with text in it
        dialog.close();
      }
    });
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
    dialog.addEventListener("close", () => returnTo && returnTo.focus({ preventScroll: true }));
    document.body.append(dialog);
    dialogInput = input;
  }

  /* search.css: the search page links it; other pages add it once they have loaded (so no page
     waits for it to paint), or when the dialog opens first. */
  let styled = null;
  function style() {
    if (!styled) {
      const href = new URL("_static/search.css", root).href;
      const present = [...document.styleSheets].some((sheet) => sheet.href && sheet.href.split("?")[0] === href);
      styled = present
        ? Promise.resolve()
        : new Promise((resolve) => {
            const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href });
            link.addEventListener("load", resolve);
            link.addEventListener("error", resolve);
            document.head.append(link);
          });
    }
    return styled;
  }

  function openDialog() {
    style();
    pagefind();
    if (!dialog) makeDialog();
    if (!dialog.open) returnTo = document.activeElement;
    if (!dialog.open) dialog.showModal();
    dialogInput.focus();
    dialogInput.select();
  }

  for (const opener of openers) {
    opener.setAttribute("role", "button");
    opener.setAttribute("aria-haspopup", "dialog");
    opener.setAttribute("aria-keyshortcuts", "/ Control+K Meta+K");
    opener.addEventListener("click", (event) => {
      event.preventDefault();
      openDialog();
    });
    opener.addEventListener("keydown", (event) => {
      if (event.key === " ") {
        event.preventDefault();
        openDialog();
      }
    });
    opener.addEventListener(
      "pointerenter",
      () => {
        style();
        pagefind();
      },
      { once: true },
    );
  }

  if (openers.length) {
    if (document.readyState === "complete") style();
    else addEventListener("load", () => style(), { once: true });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", (event) => {
    if (!opener) return;
    const key = event.key.toLowerCase();
    if (key === "k" && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
      event.preventDefault();
      if (dialog && dialog.open) dialog.close();
      else openDialog();
    } else if (key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      event.preventDefault();
      openDialog();
    }
  });

  /* The search page. */
  const pageForm = document.querySelector("[data-blog-search-page]");
  if (pageForm) {
    const input = pageForm.querySelector("input[name=q]");
    const host = make("div", "blog-search-panel");
    pageForm.after(host);
    pageForm.addEventListener("submit", (event) => event.preventDefault());
    const params = new URLSearchParams(location.search);
    const search = panel(host, input, (query, picked) => {
      const next = new URLSearchParams();
      if (query) next.set("q", query);
      for (const [key, value] of Object.entries(picked)) next.set(key, value);
      const address = next.toString() ? `?${next}` : location.pathname;
      history.replaceState(null, "", address);
    });
    input.value = params.get("q") || "";
    const wanted = {};
    for (const [key] of FILTERS) if (params.get(key)) wanted[key] = params.get(key);
    const start = Object.keys(wanted).length
      ? (search.open(true), search.loadFilters(wanted))
      : Promise.resolve();
    start.then(() => (input.value || Object.keys(wanted).length) && search.run());
    input.focus();
  }
})();
