"""The `prepops` command line: thin modules that parse, call the package and print."""
