"""One module per schema revision, oldest first: v0001 is the schema of 25e3d2a."""
