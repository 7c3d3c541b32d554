"""Imported first by ``app.py``: no garbage collection while the app is imported.

``app.py`` ends with ``collector.settled()``. A module of its own because importing it is
the point: anywhere else, the pause would start in every program that imports that module.
"""

from chalicelib.adapters import collector

collector.pause()
