"""report layer (see minihcvd/__init__.py for the layer order)."""

__all__: list[str] = []
