"""minihcvd — the mini-Hyper-CVD + inotuzumab ± blinatumomab regimen (NCT01371630) end to end.

Layers, each importing only the ones listed before it (enforced by ``tests/test_layers.py``):
``protocol`` → ``dosing`` → ``calendar`` → ``clinical`` → ``trialdata`` → ``adam`` → ``stats``
→ ``cohort`` / ``monitoring`` → ``report`` → ``cli``. ``errors`` and ``atomic`` sit above them all.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
