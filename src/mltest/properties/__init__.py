"""Property sets and the one engine that runs them."""
