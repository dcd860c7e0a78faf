/* Listing pages (blogext.listing): filter the cards by tag, category and year and sort them
 * (newest, oldest, title) in place. The view lives in the URL's query (?tag=git&sort=oldest), so a
 * filtered view can be shared and the back button works. Without this script the filters are plain
 * links to each tag's, category's and year's own page, and the cards stay newest first. */
(() => {
  "use strict";
  const root = document.querySelector(".listing");
  const list = root && root.querySelector("ul.post-cards");
  if (!list) return;
  const cards = [...list.querySelectorAll(":scope > li.post-card[data-date]")];
  const params = ["tag", "category", "year"];
  const sorts = ["newest", "oldest", "title"];
  const status = root.querySelector(".listing-status");
  const field = { tag: "tags", category: "category", year: "year" };

  const view = () => {
    const query = new URLSearchParams(window.location.search);
    const sort = query.get("sort");
    const wanted = {};
    for (const name of params) if (query.get(name)) wanted[name] = query.get(name);
    return { wanted, sort: sorts.includes(sort) ? sort : "newest" };
  };

  const matches = (card, wanted) =>
    Object.entries(wanted).every(([name, value]) => card.dataset[field[name]].split(" ").includes(value));

  const order = {
    newest: (a, b) => b.dataset.date.localeCompare(a.dataset.date),
    oldest: (a, b) => a.dataset.date.localeCompare(b.dataset.date),
    title: (a, b) => a.dataset.title.localeCompare(b.dataset.title),
  };

  const apply = () => {
    const { wanted, sort } = view();
    let shown = 0;
    for (const card of [...cards].sort(order[sort])) {
      card.hidden = !matches(card, wanted);
      if (!card.hidden) shown += 1;
      list.append(card);
    }
    for (const link of root.querySelectorAll("a.listing-filter")) {
      const active = wanted[link.dataset.param] === link.dataset.value;
      if (active) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
    for (const button of root.querySelectorAll(".listing-sort-button")) {
      button.setAttribute("aria-pressed", String(button.dataset.sort === sort));
    }
    if (status) {
      const filtered = Object.keys(wanted).length > 0;
      status.hidden = !filtered;
      status.textContent = filtered ? `Showing ${shown} of ${cards.length} posts.` : "";
    }
  };

  const go = (change) => {
    const query = new URLSearchParams(window.location.search);
    change(query);
    if (query.get("sort") === "newest") query.delete("sort");
    const search = query.toString();
    const url = window.location.pathname + (search ? `?${search}` : "") + window.location.hash;
    window.history.pushState(null, "", url);
    apply();
  };

  root.addEventListener("click", (event) => {
    const link = event.target.closest("a.listing-filter");
    const button = event.target.closest(".listing-sort-button");
    if (link && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
      event.preventDefault();
      const { param, value } = link.dataset;
      go((query) => (query.get(param) === value ? query.delete(param) : query.set(param, value)));
    } else if (button) {
      go((query) => query.set("sort", button.dataset.sort));
    }
  });
  window.addEventListener("popstate", apply);
  for (const hidden of root.querySelectorAll(".listing-sort")) hidden.hidden = false;
  apply();
})();
