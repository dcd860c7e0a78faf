"""A feature's own templates, stylesheets and scripts, kept beside its module (not an extension).

Each package of ``blogext`` holds its features' files next to their code:

- ``<package>/templates/blog/<name>.html``: the HTML a feature draws, rendered with autoescape by
  :mod:`blogext.core.safehtml` (a site overrides one with ``_templates/blog/<name>.html``);
- ``<package>/static/<feature>/``: the feature's stylesheets and scripts, copied into the output's
  ``_static/`` under their own names (``series.css`` stays ``_static/series.css``).

A feature's ``setup`` calls :func:`bring`, which adds its package's templates folder to ``templates_path``
(after the site's own folders, so the site's templates win; and so Sphinx rewrites every page when one of
them changes, as it does for the site's) and the feature's static folders to ``html_static_path``. A site
that loads only some features gets only their files. The site's own look (``blog.css``, the favicon, the
default link-preview image, the theme's and ABlog's templates it overrides) stays in its ``_static/`` and
``_templates/``.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

#: The folder of every package of ``blogext``.
PACKAGES = Path(__file__).resolve().parents[1]


def templates_folders() -> tuple[Path, ...]:
    """Every package's templates folder (``blogext/<package>/templates``)."""
    return tuple(sorted(path for path in PACKAGES.glob("*/templates") if path.is_dir()))


def static_folder(module_file: str, feature: str) -> Path:
    """The static folder *feature* of *module_file*'s package: ``blogext/<package>/static/<feature>``."""
    return Path(module_file).resolve().parent / "static" / feature


def _setting_path(confdir: str | Path, folder: Path) -> str:
    """*folder* as the setting names it: relative to the configuration folder when inside it (the real site:
    ``blogext/pages/static/series``, the same on every machine, so the builder's digest of the settings
    in ``.buildinfo`` is too), else absolute (a site beside the code, such as a test site)."""
    try:
        return folder.relative_to(Path(confdir).resolve()).as_posix()
    except ValueError:
        return str(folder)


def _append(values: list[str], path: str) -> list[str]:
    return values if path in values else [*values, path]


def bring(app: Sphinx, module_file: str, *features: str) -> None:
    """Have the build find the templates of *module_file*'s package, and copy the static folders
    *features* of that package into ``_static/``."""
    package = Path(module_file).resolve().parent
    folders = [static_folder(module_file, feature) for feature in features]
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is not a folder: a feature's static files are missing")

    def add(app: Sphinx, config: Config) -> None:
        if (package / "templates").is_dir():
            templates = _setting_path(app.confdir, package / "templates")
            config.templates_path = _append(list(config.templates_path), templates)
        static = list(config.html_static_path)
        for folder in folders:
            static = _append(static, _setting_path(app.confdir, folder))
        config.html_static_path = static

    app.connect("config-inited", add)
