"""The `memd` command line: parse, call memd, render. No logic of its own."""
