"""One module per CLI command: each turns parsed arguments into core calls and prints the outcome."""
