"""The per-worker cache of question pages: kept while the content counter stays put."""

from __future__ import annotations

import threading

from voice_app.content_generation import GenerationCache


class Builder:
    """Counts how often a page had to be built (read from the database)."""

    def __init__(self) -> None:
        self.builds = 0

    def __call__(self) -> str:
        self.builds += 1
        return f"page built {self.builds} time(s)"


def test_a_page_is_built_once_while_the_generation_stays_the_same() -> None:
    cache: GenerationCache[str] = GenerationCache()
    build = Builder()
    first = cache.get(3, "q1", build)
    again = cache.get(3, "q1", build)
    assert first == again == "page built 1 time(s)"
    assert build.builds == 1


def test_a_new_generation_drops_every_kept_page() -> None:
    cache: GenerationCache[str] = GenerationCache()
    build_q1, build_q2 = Builder(), Builder()
    cache.get(3, "q1", build_q1)
    cache.get(3, "q2", build_q2)
    assert cache.get(4, "q1", build_q1) == "page built 2 time(s)"
    assert len(cache) == 1  # q2 went with generation 3
    cache.get(4, "q2", build_q2)
    assert build_q2.builds == 2


def test_a_request_that_read_an_older_generation_is_served_but_not_kept() -> None:
    # Another thread has already seen the change: this request's page must not replace
    # the cache's newer pages, nor be kept under the old number.
    cache: GenerationCache[str] = GenerationCache()
    build = Builder()
    cache.get(5, "q1", build)
    late = Builder()
    assert cache.get(4, "q1", late) == "page built 1 time(s)"
    assert late.builds == 1
    assert cache.get(5, "q1", build) == "page built 1 time(s)"
    assert build.builds == 1


def test_without_a_generation_nothing_is_kept() -> None:
    cache: GenerationCache[str] = GenerationCache()
    build = Builder()
    cache.get(None, "q1", build)
    cache.get(None, "q1", build)
    assert build.builds == 2
    assert len(cache) == 0


def test_the_least_recently_used_page_goes_first_when_full() -> None:
    cache: GenerationCache[str] = GenerationCache(size=2)
    builders = {key: Builder() for key in ("a", "b", "c")}
    cache.get(1, "a", builders["a"])
    cache.get(1, "b", builders["b"])
    cache.get(1, "a", builders["a"])  # a is now the most recent
    cache.get(1, "c", builders["c"])  # so b is dropped
    assert len(cache) == 2
    cache.get(1, "a", builders["a"])
    cache.get(1, "b", builders["b"])
    assert builders["a"].builds == 1
    assert builders["b"].builds == 2


def test_threads_sharing_the_cache_each_get_the_right_page() -> None:
    cache: GenerationCache[str] = GenerationCache(size=64)
    wrong: list[str] = []

    def walk(thread: int) -> None:
        for round_ in range(200):
            key = f"q{(thread + round_) % 10}"
            generation = round_ // 50
            got = cache.get(generation, key, lambda k=key, g=generation: f"{k}@{g}")
            if got != f"{key}@{generation}":
                wrong.append(got)

    threads = [threading.Thread(target=walk, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
