"""Python's garbage collector, kept off what a cold start builds for the container to keep.

A cold start makes objects that live as long as the container: the app's modules and
routes, botocore's service models and the boto3 resource classes made from them,
Powertools' modules. CPython counts every one of them towards its next collection, and a
full collection walks them all: on the first letter that was one 32 ms pause (a fifth of
the letter over loopback HTTP), and the app's import paid about 4 ms of smaller ones.
``docs/performance.md`` has the measurements.

- ``chalicelib.api.pause_collection``, ``app.py``'s first import, calls :func:`pause`;
  ``app.py``'s last line calls :func:`settled`. An import makes next to no garbage, so
  nothing is lost by not looking for it.
- :func:`keep` freezes (``gc.freeze()``) what is alive right after one of those long-lived
  things is built: no collection walks a frozen object again, and reference counting still
  frees it when its last reference goes. Frozen garbage in a cycle is never collected, so it
  freezes once per thing, never per request.
"""

import gc

_paused = False
_kept: set[str] = set()


def pause() -> None:
    """No collection until :func:`settled` (if collection is on at all)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def settled() -> None:
    """The app is built: keep what its import made; collect again if :func:`pause` stopped."""
    global _paused
    keep("app")
    if _paused:
        _paused = False
        gc.enable()


def keep(name: str) -> None:
    """``name`` (the app, a service's first resource, the logger) has just been built: freeze
    every object alive now, the first time only."""
    if name not in _kept:
        _kept.add(name)
        gc.freeze()
