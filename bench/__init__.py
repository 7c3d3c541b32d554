"""docgen against the original sample's naive handler, measured in one run: ``python -m bench``."""
