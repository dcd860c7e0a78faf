"""The author's programs, outside the Sphinx extension: the live preview (``nox -s serve``), a new post
(``nox -s new``), notebooks executed and frozen (``nox -s freeze``), and the shell sessions run against real
Git (``python -m blogcli.sessions_runner``)."""
