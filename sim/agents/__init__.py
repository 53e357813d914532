"""The four actor types: migrants (array-backed), carriers, border services, state actors."""
