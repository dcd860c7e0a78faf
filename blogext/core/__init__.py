"""The house every feature stands on: the post model and its one door to ABlog, what each page shows
(for incremental builds), state and caches, settings, errors, templates, and Sphinx's internals behind their
door. It imports nothing from the other packages."""
