def answer():
    return 42  # LITERALSNIPPET4410
