"""The HTTP edge: who is calling (auth), what errors look like, what bodies look like."""
