"""What docgen does, whatever serves it or stores its data: typed arguments in, domain
objects out, domain errors raised."""
