"""What a post can hold, read and checked as it is parsed: math, diagrams, notebooks and their frozen
outputs, interactive figures, citations, code, sidenotes, figures, checked shell sessions, local files.
It builds on :mod:`blogext.core` only."""
