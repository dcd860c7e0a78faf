# Every extension of the site, with the fewest settings they need: the tests of the settings themselves
# (tests/test_settings.py) introspect what they register, and append bad settings to this file.
project = "Settings test blog"
author = "Test Author"
language = "en"
import ast  # noqa: E402
from pathlib import Path  # noqa: E402

import blogext  # noqa: E402

# The real site's extensions, read from its conf.py (wherever this test site was copied to).
_SITE_CONF = Path(blogext.__file__).resolve().parent.parent / "conf.py"
extensions = next(
    ast.literal_eval(node.value)
    for node in ast.parse(_SITE_CONF.read_text("utf-8")).body
    if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["extensions"]
)
include_patterns = ["index.md", "posts/**"]
html_baseurl = "https://settings.example.org/"
templates_path = ["_templates"]  # the tests copy in the site's templates
blog_title = "Settings test blog"
blog_path = "blog"
blog_post_pattern = ["posts/*/*"]
blog_authors = {"ada": ("Ada Lovelace", "https://ada.example.net/")}
blog_default_author = "ada"
blog_feed_archives = True
fontawesome_included = True
html_theme = "pydata_sphinx_theme"
blogext_feed_tag_authority = "settings.example.org"
blogext_feed_tag_date = "2024"
nb_ipywidgets_js = {}  # a published page loads nothing from another host (blogext.markup.notebooks)
nb_execution_mode = "off"  # a build never executes notebooks (blogext.markup.freeze)
