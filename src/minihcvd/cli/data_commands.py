"""Commands of this group (registered on import)."""
