"""The API process's collector settings (backend/heap.py)."""

import gc

from backend import heap


def test_settling_freezes_the_lasting_objects_and_collects_the_young_less_often():
    threshold = gc.get_threshold()
    lasting = ["built at start-up"]  # a container: the collector tracks it
    assert any(obj is lasting for obj in gc.get_objects())
    try:
        heap.settle()
        assert gc.get_threshold() == (heap.YOUNG_GENERATION_THRESHOLD, *threshold[1:])
        assert not any(obj is lasting for obj in gc.get_objects())  # frozen: in no generation a collection scans
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
