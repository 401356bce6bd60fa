"""The burst's traffic is what bench/burst.py says it sends: every author's first mention, repeats only of mentions
sent before them, the share of repeats."""
from bench.burst import burst_traffic


def test_the_burst_mix():
    stream = burst_traffic(1000, 200)
    ids = [m["id"] for m in stream]
    assert len(stream) == 1000
    assert len(set(ids)) == 800  # 20 % repeats
    assert len({m["author"]["id"] for m in stream}) == 200
    for position, m in enumerate(stream):
        if ids.index(m["id"]) != position:  # a repeat: the same mention, sent before
            assert stream[ids.index(m["id"])] == m
    firsts = {}
    for position, m in enumerate(stream):
        firsts.setdefault(m["author"]["id"], (position, m["id"]))
    assert all(mention_id.endswith("-1") for _, mention_id in firsts.values())  # a first mention opens the case
    assert burst_traffic(1000, 200) == stream  # seeded: every run sends the same burst
