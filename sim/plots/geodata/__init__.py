"""Natural Earth country outlines for the maps (package data; see README.md in this folder)."""
