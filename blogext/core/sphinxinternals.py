"""Every use of a private or undocumented API of Sphinx, and of the packages the blog builds on,
in one place (not an extension).

Each function says what it needs and which public API it waits for. Features call
these instead of reaching into Sphinx or myst-nb themselves, so an upgrade has one
module to check. ABlog's internals have their own door, :mod:`blogext.core.ablogadapter`.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.config import Config
from sphinx.environment import CONFIG_OK
from sphinx.util.osutil import relative_uri


def disable_sphinx_search(builder: Builder) -> None:
    """Turn off Sphinx's own search for *builder*: no ``searchindex.js``, no stemmers, no search page.

    Undocumented: the HTML builder's ``search`` attribute (the HTML Help and Apple Help builders set it
    to suppress search). Waits for a setting to switch Sphinx's search off (blogext.outputs.search puts
    Pagefind in its place).
    """
    builder.search = False


@contextmanager
def rendering_as(builder: Builder, pagename: str) -> Iterator[None]:
    """Render with the builder as if it were writing *pagename*: its images' and downloads' paths.

    Undocumented: the HTML builder's ``imgpath``, ``dlpath`` and ``post_process_images``. Waits for a
    public "render this doctree for that page" (``render_partial`` renders for no page in particular).
    """
    # A build that wrote no document has set neither (``dlpath`` does not exist until then).
    saved = {name: builder.__dict__[name] for name in ("imgpath", "dlpath") if name in builder.__dict__}
    target = builder.get_target_uri(pagename)
    builder.imgpath = relative_uri(target, builder.imagedir)
    builder.dlpath = relative_uri(target, "_downloads")
    try:
        yield
    finally:
        for name in ("imgpath", "dlpath"):
            if name in saved:
                setattr(builder, name, saved[name])
            else:
                delattr(builder, name)


def copy_images(builder: Builder, doctree: nodes.Node) -> None:
    """Have the builder copy the images *doctree* shows and point their URIs at the copies."""
    builder.post_process_images(doctree)


def render_body(app: Sphinx, docname: str) -> str:
    """The body HTML of a document's page, rendered as the builder renders it when it writes the page.

    Undocumented: the steps of ``StandaloneHTMLBuilder.write_doc`` (its ``imgpath``, ``dlpath``,
    ``secnumbers``, ``fignumbers`` and ``current_docname``, and the translator it makes). Waits for a
    public "render this document's body".
    """
    builder = app.builder
    doctree = app.env.get_and_resolve_doctree(docname, builder)
    saved = {
        name: getattr(builder, name, None)
        for name in ("imgpath", "dlpath", "current_docname", "secnumbers", "fignumbers")
    }
    try:
        target = builder.get_target_uri(docname)
        builder.imgpath = relative_uri(target, builder.imagedir)
        builder.post_process_images(doctree)
        doctree.settings = builder.docsettings
        builder.secnumbers = app.env.toc_secnumbers.get(docname, {})
        builder.fignumbers = app.env.toc_fignumbers.get(docname, {})
        builder.imgpath = relative_uri(target, "_images")
        builder.dlpath = relative_uri(target, "_downloads")
        builder.current_docname = docname
        visitor = builder.create_translator(doctree, builder)
        doctree.walkabout(visitor)
        return "".join(visitor.fragment)
    finally:
        for name, value in saved.items():
            setattr(builder, name, value)


# -- The builder's own change detection: what it compares between builds ---------------------------
# Undocumented: ``StandaloneHTMLBuilder.build_info``, ``BuiltinTemplateLoader.newest_template_mtime`` and
# ``env.config_status``. They wait for a public "what changed since the last build" of the builder.


def build_settings(builder: Builder) -> tuple[str, str]:
    """The builder's digests of the HTML settings and of the tags, as it compares them between builds."""
    info = getattr(builder, "build_info", None)
    return getattr(info, "config_hash", ""), getattr(info, "tags_hash", "")


def newest_template_time(builder: Builder) -> float:
    """When the newest template the builder renders with was changed (0 for a builder without any)."""
    templates = getattr(builder, "templates", None)
    return templates.newest_template_mtime() if templates is not None else 0


def rewrites_everything(app: Sphinx) -> bool:
    """Whether this build reads and writes every document again (a new environment, or new settings).

    Call it when the builder starts: Sphinx resets the status once it has read the documents.
    """
    return app.env.config_status != CONFIG_OK


def template_environment(builder: Builder) -> jinja2.Environment | None:
    """The Jinja environment the builder renders its pages with (None for a builder without one).

    Undocumented: ``BuiltinTemplateLoader.environment``. Waits for a public hook to configure it.
    """
    environment = getattr(getattr(builder, "templates", None), "environment", None)
    return environment if isinstance(environment, jinja2.Environment) else None


def move_doctree_folder(app: Sphinx, folder: str | Path) -> None:
    """Keep this build's doctrees (and the environment) in *folder*; call it at ``config-inited``.

    Undocumented: assigning ``app.doctreedir``, which Sphinx reads only once the configuration is
    ready. Waits for a setting or hook that chooses the doctree folder.
    """
    app.doctreedir = Path(folder)


def conf_py_settings(config: Config) -> list[str]:
    """The names ``conf.py`` and the command line (``-D``) set, whether an extension registered them or not.

    Private: ``Config._raw_config`` (``conf.py``'s namespace) and ``Config._overrides``. Waits for a public
    list of the names a configuration sets that no extension registered (Sphinx ignores them silently).
    """
    return sorted(set(config._raw_config) | set(config._overrides))


def command_line_settings(config: Config) -> set[str]:
    """The names set on the command line (``-D name=value``), whose values Sphinx may leave as text.

    Private: ``Config._overrides``. Waits for a public "where a setting's value came from".
    """
    return set(config._overrides)


def source_suffixes(app: Sphinx) -> list[str]:
    """Every source suffix, extensions' included, already while the configuration is being read.

    Private: ``app.registry.source_suffix`` (extensions' suffixes join ``source_suffix`` only later in
    ``config-inited``). Waits for a public list of registered parsers' suffixes.
    """
    return sorted({*app.config.source_suffix, *app.registry.source_suffix})


def registered_domains(app: Sphinx) -> set[str]:
    """The names of the domains extensions registered, already at ``config-inited`` (before the
    environment makes them).

    Undocumented: ``app.registry.domains``. Waits for a public list of registered domains.
    """
    return set(app.registry.domains)


def mark_parallel_read_safe(app: Sphinx, extension: str) -> None:
    """Declare *extension* safe for parallel reading (when the blog makes it so).

    Undocumented: the ``Extension`` object's ``parallel_read_safe``. Waits for the extension to say so.
    """
    app.extensions[extension].parallel_read_safe = True


def disconnect_handler(app: Sphinx, handler: Any) -> None:
    """Disconnect every listener that is *handler*, whatever event it listens to.

    Private: ``app.events.listeners``. Waits for ``app.disconnect`` by handler, or for the extension that
    connected it to offer a setting that switches it off.
    """
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if listener.handler is handler:
                app.disconnect(listener.id)


def mystnb_settings(env: Any) -> Any:
    """myst-nb's configuration object for this build (None before myst-nb has set it up).

    Undocumented: ``env.mystnb_config``. Waits for a myst-nb setting of its output folder
    (``nb_execution_cache_path`` is one already), and for public access to the resolved settings.
    """
    return getattr(env, "mystnb_config", None)


def change_mystnb_settings(env: Any, **changes: Any) -> None:
    """Give myst-nb's configuration object for this build other values (see :func:`mystnb_settings`)."""
    env.mystnb_config = env.mystnb_config.copy(**changes)


def sphinx_starting_from(env: Any) -> type[Sphinx]:
    """A Sphinx application class that starts from *env*, an environment already unpickled from the
    doctree folder, instead of unpickling ``environment.pickle`` itself (the preview keeps the
    environment in memory between saves, :mod:`blogcli.preview`). With *env* None, Sphinx itself.

    Private: ``Sphinx._load_existing_env``, the step of ``Sphinx.__init__`` that unpickles it. Waits for
    a public way to give an application an environment already loaded.
    """
    if env is None:
        return Sphinx

    class _StartingFrom(Sphinx):
        def _load_existing_env(self, filename: Path) -> Any:
            try:
                env.setup(self)
            except Exception:  # what Sphinx does with a pickle it cannot use: it reads it itself
                return super()._load_existing_env(filename)
            self._fresh_env_used = False
            return env

    return _StartingFrom


class EnvironmentPickledAside:
    """While in use (``with``), the environment a build pickles after reading is pickled by a forked
    copy of this process, which holds it as it is at that moment (so the file has the same bytes),
    while this process goes on to write the pages (the preview's builds, :mod:`blogcli.preview`).
    The copy runs at the lowest priority, on a core the build leaves idle; *then*, if given, is called
    in the copy once the file is written.

    :meth:`wait` waits for the copies and says what went wrong, if anything (leaving the ``with``
    waits too, and keeps what went wrong for it). Only for a process whose one thread is building (a
    fork copies only that thread).

    Private: the ``pickle`` module as ``sphinx.builders`` names it, whose ``dump`` ``Builder.build``
    calls on the environment before it writes a page. Waits for a hook around that step.
    """

    def __init__(self, then: Callable[[], object] | None = None) -> None:
        self.pids: list[int] = []
        self.failed: list[str] = []
        self._then = then
        self._module: Any = None

    def __enter__(self) -> EnvironmentPickledAside:
        import sphinx.builders

        self._module = sphinx.builders
        sphinx.builders.pickle = _PickleAside(self.pids, self._then)  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        import pickle

        self._module.pickle = pickle
        self.wait()

    def wait(self) -> list[str]:
        """Wait for every copy pickling; a line for each that failed (its traceback is on stderr)."""
        while self.pids:
            _, status = os.waitpid(self.pids.pop(), 0)
            if status:
                self.failed.append("the environment could not be pickled (see the terminal)")
        return self.failed


class _PickleAside:
    """The ``pickle`` module, but for ``dump`` of an environment: made by a forked copy of the process."""

    def __init__(self, pids: list[int], then: Callable[[], object] | None) -> None:
        self._pids = pids
        self._then = then

    def __getattr__(self, name: str) -> Any:
        import pickle

        return getattr(pickle, name)

    def dump(self, obj: Any, file: Any, protocol: int | None = None, **options: Any) -> None:
        import gc
        import pickle
        import traceback

        from sphinx.environment import BuildEnvironment

        if not isinstance(obj, BuildEnvironment):
            pickle.dump(obj, file, protocol, **options)
            return
        file.flush()
        pid = os.fork()
        if pid == 0:  # the copy: its own descriptor of the file, open after the builder closes its own
            gc.disable()  # pickling makes no cycles; a collection would only copy shared memory
            code = 1
            try:
                os.nice(19)  # the build first: the copy takes what it leaves
                pickle.dump(obj, file, protocol, **options)
                file.flush()
                if self._then is not None:
                    self._then()
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        self._pids.append(pid)


def before_mystnb_executes(hook: Any) -> None:
    """Call ``hook(notebook, source, nb_config, docname)`` each time myst-nb (in a Sphinx build) is about
    to execute or render a notebook it has read: the hook may change *notebook* in place (its outputs)
    and returns the settings myst-nb goes on with (such as ``execution_mode`` "off"). Idempotent.

    Private: ``myst_nb.sphinx_.create_client``, the name ``Parser.parse`` calls with the notebook it
    read, just before rendering it (and ``SphinxDocLogger.extra["docname"]``). Waits for a myst-nb
    event or setting for "outputs of a notebook come from elsewhere" (a pre-execution hook).
    """
    import myst_nb.sphinx_ as mystnb_sphinx

    original = mystnb_sphinx.create_client
    if getattr(original, _STAND_IN, None) is hook:
        return
    original = getattr(original, "__wrapped__", original)

    def create_client(notebook: Any, source: Any, nb_config: Any, logger: Any, read_fmt: Any = None) -> Any:
        docname = logger.extra["docname"]
        return original(notebook, source, hook(notebook, str(source), nb_config, docname), logger, read_fmt)

    create_client.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(create_client, _STAND_IN, hook)
    mystnb_sphinx.create_client = create_client


def add_mystnb_mime_renderer(plugin: Any) -> None:
    """Give myst-nb the mime renderer *plugin* (its public ``MimeRenderPlugin`` protocol: a
    ``handle_mime`` and ``mime_priority_overrides``), as an entry point of the group
    ``myst_nb.mime_renderers`` would. Idempotent.

    Private: the list ``myst_nb.core.render.load_mime_renders()`` returns is cached (``lru_cache``) and
    the same list every call, so the plugin is appended to it. Waits for a myst-nb setting or Sphinx-level
    call that registers a mime renderer (myst-nb reads them from installed packages' entry points only,
    and the blog is no installed package).
    """
    from myst_nb.core.render import load_mime_renders

    plugins = load_mime_renders()
    if plugin not in plugins:
        plugins.append(plugin)


#: myst-nb's modules that import jupyter-cache (and, through it, SQLAlchemy: about 0.4 s, up to 1.4 s on
#: a busy machine), and the class each gives ``myst_nb.core.execute``, which needs it only to execute.
MYSTNB_EXECUTORS = {
    "myst_nb.core.execute.cache": "NotebookClientCache",
    "myst_nb.core.execute.direct": "NotebookClientDirect",
}
#: Marks a stand-in module of :func:`defer_mystnb_executors`.
_STAND_IN = "__blogext_stand_in__"


def _real_executor(module: str, name: str) -> Any:
    if getattr(sys.modules.get(module), _STAND_IN, False):
        del sys.modules[module]
    return getattr(importlib.import_module(module), name)


def defer_mystnb_executors() -> bool:
    """Have myst-nb import its executing clients (and jupyter-cache) when it first executes a notebook,
    not when it is imported: a build that executes nothing (``nb_execution_mode = "off"``, no post
    asking for execution) never imports jupyter-cache or SQLAlchemy. Call before myst-nb is imported;
    returns whether the import is deferred (False when myst-nb was imported already).

    Until then each of the modules :data:`MYSTNB_EXECUTORS` is a stand-in whose class, called, imports
    the real module and returns the real client (so executing works as before, in every process).

    Undocumented: the layout of ``myst_nb.core.execute`` (``create_client`` calls those two classes).
    Waits for myst-nb importing jupyter-cache only when it executes (as it already does for nbclient).
    """
    if "myst_nb.core.execute" in sys.modules:
        return False
    for module, name in MYSTNB_EXECUTORS.items():
        if module in sys.modules:
            continue

        def __new__(cls: type, *args: Any, _module: str = module, _name: str = name, **kwargs: Any) -> Any:
            return _real_executor(_module, _name)(*args, **kwargs)

        stand_in = types.ModuleType(
            module, "Stand-in until a notebook is executed (blogext.core.sphinxinternals)."
        )
        setattr(stand_in, _STAND_IN, True)
        setattr(stand_in, name, type(name, (), {"__new__": __new__, "__module__": module}))
        sys.modules[module] = stand_in
    return True


# -- Files a page uses that Sphinx copies into ``_images/`` (blogext.markup.localfiles) ---------------------
# Undocumented: ``env.images`` (a ``FilenameUniqDict`` of source path -> (documents, copy's name)),
# the builder's ``images`` (what it copies when it finishes) and ``imagedir``. They wait for a public
# "copy this file of the source folder with the images, for this document".


def note_image(env: Any, docname: str, relfn: str) -> str:
    """Have *relfn* (a path relative to the source folder) copied with the images of *docname*, as
    Sphinx's image collector does for an image node; returns the copy's file name."""
    return env.images.add_file(docname, relfn)


def publish_image(builder: Builder, env: Any, relfn: str) -> str:
    """Have the builder copy *relfn* (noted by :func:`note_image`) when it finishes; its copy's name."""
    copy = env.images[relfn][1]
    images = getattr(builder, "images", None)
    if images is not None:
        images[relfn] = copy
    return copy


def image_folder_uri(builder: Builder, docname: str) -> str:
    """The URL of the builder's image folder (``_images``) relative to *docname*'s page."""
    return relative_uri(builder.get_target_uri(docname), builder.imagedir)


def forget_document(env: Any, docname: str) -> None:
    """Have Sphinx neither read nor write *docname*, although its file was found.

    Undocumented: ``env.project.docnames`` (what ``env.found_docs`` returns). Waits for a public way to
    leave out a found document after ``exclude_patterns`` have been applied.
    """
    env.project.docnames.discard(docname)


# -- Warnings rewritten before Sphinx counts them (blogext.markup.notebooks) --------------------------------


def filter_warnings_first(warning_filter: logging.Filter) -> None:
    """Put *warning_filter* first on Sphinx's warning handler (once per filter class): what it drops is
    neither counted nor shown, and what it changes is shown changed.

    Undocumented: Sphinx's logging set-up (``sphinx.util.logging.setup``: one ``WarningStreamHandler`` on
    the ``sphinx`` logger, made anew for each application). Waits for a Sphinx event or setting that
    lets an extension rewrite a warning's location and text.
    """
    from sphinx.util.logging import NAMESPACE, WarningStreamHandler

    for handler in logging.getLogger(NAMESPACE).handlers:
        if isinstance(handler, WarningStreamHandler) and not any(
            type(f) is type(warning_filter) for f in handler.filters
        ):
            handler.filters.insert(0, warning_filter)


# -- Front matter parsed quickly (blogext.markup.notebooks, blogext.core.frontmatter) -----------------------


def quick_notebook_test(might_be_notebook: Callable[[str], bool]) -> bool:
    """Have myst-nb parse a Markdown file's front matter, to see whether it is a text notebook, only when
    *might_be_notebook* says it can be one (it parsed every post's YAML for that, 1.4 s of CPU at 1,000
    posts). Returns whether the test was put in.

    Undocumented: ``myst_nb.core.read.create_nb_reader`` calls ``is_myst_markdown_notebook`` by its
    module's global name. Waits for myst-nb testing for a text notebook without parsing the YAML.
    """
    from myst_nb.core import read

    if not hasattr(read, "create_nb_reader") or getattr(read.is_myst_markdown_notebook, "_blog_quick", False):
        return False
    full_test = read.is_myst_markdown_notebook

    def is_myst_markdown_notebook(text: Any) -> bool:
        if isinstance(text, str) and not might_be_notebook(text):
            return False
        return full_test(text)

    is_myst_markdown_notebook._blog_quick = True  # type: ignore[attr-defined]
    is_myst_markdown_notebook._blog_full = full_test  # type: ignore[attr-defined]
    read.is_myst_markdown_notebook = is_myst_markdown_notebook
    return True


class _LibyamlSafeLoad:
    """The ``yaml`` module as myst-parser uses it, whose ``safe_load`` parses with libyaml (the same
    ``SafeConstructor`` builds the values; only the scanning and parsing are C)."""

    def __getattr__(self, name: str) -> Any:
        import yaml

        return getattr(yaml, name)

    @staticmethod
    def safe_load(stream: Any) -> Any:
        import yaml

        return yaml.load(stream, Loader=yaml.CSafeLoader)  # noqa: S506 - CSafeLoader is safe_load's loader


def libyaml_front_matter() -> bool:
    """Have myst-parser read each document's front matter fields with libyaml (PyYAML's C parser), when
    PyYAML has it: 1.5 s of CPU at 1,000 posts in Python. The front matter of every post was checked by
    :mod:`blogext.core.frontmatter` before, with PyYAML's own parser, so what myst-parser is given is YAML
    both parse alike. Returns whether it was put in.

    Undocumented: ``myst_parser.mdit_to_docutils.base`` calls ``yaml.safe_load`` through its module's
    ``yaml`` (``render_front_matter``). Waits for myst-parser parsing the front matter once (it parses
    it for its settings too, ``read_topmatter``), or with libyaml.
    """
    import yaml
    from myst_parser.mdit_to_docutils import base

    if not getattr(yaml, "__with_libyaml__", False):
        return False
    if getattr(base, "yaml", None) is yaml:
        base.yaml = _LibyamlSafeLoad()
    return isinstance(base.yaml, _LibyamlSafeLoad)


# -- sphinxext-opengraph without its social cards (blogext.core.quiet) ---------------------------------------

#: The module of sphinxext-opengraph's social cards: it imports matplotlib and pyplot when imported.
OPENGRAPH_SOCIAL_CARDS = "sphinxext.opengraph._social_cards"


@contextmanager
def opengraph_social_cards_off() -> Iterator[None]:
    """Import sphinxext-opengraph, within the block, without its social cards: it imports them, and
    with them matplotlib and pyplot (0.5 s on every build), whatever ``ogp_social_cards`` says. The
    site draws its own share cards (:mod:`blogext.outputs.sharecards`).

    Private: the module ``sphinxext.opengraph._social_cards``, kept from importing (None in
    ``sys.modules``, which sphinxext-opengraph takes as matplotlib missing). Waits for
    sphinxext-opengraph importing matplotlib only when social cards are enabled.
    """
    blocked = OPENGRAPH_SOCIAL_CARDS not in sys.modules
    if blocked:
        sys.modules[OPENGRAPH_SOCIAL_CARDS] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if blocked and OPENGRAPH_SOCIAL_CARDS in sys.modules and sys.modules[OPENGRAPH_SOCIAL_CARDS] is None:
            del sys.modules[OPENGRAPH_SOCIAL_CARDS]
