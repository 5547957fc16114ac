"""Text requests waiting at the same moment are translated together (KabarService._translate_grouped): fewer,
fuller calls to the model, each request still gets exactly its own sentences back, and errors and the queue
limit reach every request they concern."""
from __future__ import annotations

import threading

import pytest

from tests.test_ui.conftest import make_service


class Recording:
    """The real tiny translator, recording each call's sentences and outputs; ``gate`` holds the first call
    until every request has been queued."""

    def __init__(self, inner, gate: threading.Event | None = None, fail_on: str | None = None):
        self.inner, self.gate, self.fail_on = inner, gate, fail_on
        self.calls: list[tuple[list[str], list[str]]] = []
        self.entered = threading.Event()  # set when the first call reaches the model

    def translate(self, sentences):
        self.entered.set()
        if self.gate is not None and not self.calls:
            self.gate.wait(timeout=30)
        if self.fail_on is not None and self.fail_on in sentences:
            self.calls.append((list(sentences), []))
            raise RuntimeError("model failed")
        out = self.inner.translate(sentences)
        self.calls.append((list(sentences), list(out)))
        return out

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _wait_until_queued(service, waiting: int) -> None:
    """Return once ``waiting`` jobs are queued, or after at most 6 s."""
    for _ in range(600):
        if len(service._pending) >= waiting:
            return
        threading.Event().wait(0.01)


def _release_when_waiting(service, gate: threading.Event, threads, waiting: int) -> None:
    """Open ``gate`` once ``waiting`` jobs are queued (at most 6 s), then wait for every thread (bounded)."""
    _wait_until_queued(service, waiting)
    gate.set()
    for t in threads:
        t.join(timeout=60)


def _run_concurrently(service, texts: list[str]) -> list:
    results: list = [None] * len(texts)

    def call(i):
        try:
            results[i] = service.translate_texts([texts[i]])[0]
        except Exception as exc:  # recorded for the assertions
            results[i] = exc

    # daemon: a request stuck by a bug fails its test instead of keeping pytest from exiting
    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(len(texts))]
    for t in threads:
        t.start()
    return threads, results


def test_waiting_requests_share_one_call_and_get_their_own_sentences(translators):
    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate)
    service = make_service(recording, api_keys="", max_queue=64)
    texts = [f"Harga beras naik {n} persen. Pedagang di pasar nomor {n} mengeluh." for n in range(12)]
    threads, results = _run_concurrently(service, texts)
    _release_when_waiting(service, gate, threads, 11)  # one call holds the slot at the gate
    assert len(recording.calls) < len(texts)  # grouped: the first call had one request, the next took the rest
    english = {}
    for inputs, outputs in recording.calls:
        english.update(zip(inputs, outputs))
    for text, result in zip(texts, results):
        first, second = text.split(". ")
        assert result == f"{english[first + '.']} {english[second]}"  # this request's own sentences, in order
    assert sum(len(inputs) for inputs, _ in recording.calls) == 2 * len(texts)  # each sentence translated once
    assert not service._pending


def test_a_failing_group_fails_every_request_in_it_and_the_next_ones_still_work(translators):
    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate, fail_on="Kalimat rusak.")
    service = make_service(recording, api_keys="", max_queue=64)
    texts = ["Kalimat pertama."] + ["Kalimat rusak."] + [f"Kalimat nomor {n}." for n in range(4)]
    threads, results = _run_concurrently(service, texts)
    _release_when_waiting(service, gate, threads, len(texts) - 1)  # one call holds the slot at the gate
    assert all(not t.is_alive() for t in threads)  # nobody hangs
    failed = [r for r in results if isinstance(r, RuntimeError)]
    assert failed and all(str(r) == "model failed" for r in failed)
    # every request of the failed call got the error, every other request its English: none got another error,
    # a result of nothing, or someone else's sentences
    [in_failed_call] = [inputs for inputs, outputs in recording.calls if not outputs]
    assert len(in_failed_call) > 1, "the failing sentence was grouped with others"
    for text, result in zip(texts, results):
        if text in in_failed_call:
            assert isinstance(result, RuntimeError) and str(result) == "model failed", (text, result)
        else:
            assert isinstance(result, str) and result.strip(), (text, result)
    assert service.translate_texts(["Kalimat baru."])[0]  # the service goes on
    assert not service._pending


def test_a_full_queue_refuses_and_leaves_nothing_behind(translators):
    from ui.service import Busy

    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate)
    service = make_service(recording, api_keys="", max_queue=2)
    threads, results = _run_concurrently(service, [f"Kalimat nomor {n}." for n in range(6)])
    for _ in range(600):
        if sum(isinstance(r, Busy) for r in results) >= 3:
            break
        threading.Event().wait(0.01)
    gate.set()
    for t in threads:
        t.join(timeout=60)
    refused = [r for r in results if isinstance(r, Busy)]
    assert len(refused) == 3 and all(isinstance(r, str) for r in results if not isinstance(r, Busy))
    assert not service._pending  # a refused request's sentences are never translated later for nobody


def test_grouping_off_translates_each_request_alone(translators, monkeypatch):
    monkeypatch.setenv("KABAR_GROUP_SENTENCES", "0")
    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate)
    service = make_service(recording, api_keys="", max_queue=64)
    threads, results = _run_concurrently(service, [f"Kalimat nomor {n}." for n in range(5)])
    _release_when_waiting(service, gate, threads, 4)  # one call holds the slot at the gate
    assert len(recording.calls) == 5 and all(isinstance(r, str) for r in results)


def test_the_slot_holder_goes_on_until_its_own_request_is_translated(translators, monkeypatch):
    """The oldest waiting request goes first; when the group limit leaves the slot holder's own request out,
    it translates the next group too instead of returning nothing (with grouping off, every request the slot
    holder finds waiting before its own)."""
    from ui.service import _Job

    monkeypatch.setenv("KABAR_GROUP_SENTENCES", "1")
    recording = Recording(translators("marian", "ct2"))
    service = make_service(recording, api_keys="", max_queue=64)
    older = _Job(["Kalimat yang menunggu lebih lama."])
    service._pending.append(older)  # a request that queued first and is still waiting for the slot
    result = service.translate_texts(["Kalimat saya sendiri."])
    assert [inputs for inputs, _ in recording.calls] == [["Kalimat yang menunggu lebih lama."],
                                                          ["Kalimat saya sendiri."]]
    assert result == recording.calls[1][1] and isinstance(result[0], str)
    assert older.done.is_set() and older.result == recording.calls[0][1]
    assert not service._pending


def test_a_failing_older_group_does_not_fail_the_slot_holder(translators, monkeypatch):
    from ui.service import _Job

    monkeypatch.setenv("KABAR_GROUP_SENTENCES", "1")
    recording = Recording(translators("marian", "ct2"), fail_on="Kalimat rusak.")
    service = make_service(recording, api_keys="", max_queue=64)
    older = _Job(["Kalimat rusak."])
    service._pending.append(older)
    result = service.translate_texts(["Kalimat baik."])
    assert isinstance(older.error, RuntimeError) and older.done.is_set()  # the older request gets its error
    assert result == recording.calls[1][1]  # the holder's own request is translated all the same
    assert not service._pending


def test_a_request_taken_by_another_slot_holder_waits_for_its_translation(translators):
    """Two slots: whoever gets the first takes both waiting requests into one call; the other request, getting
    the second slot while that call runs, waits for its part instead of returning nothing."""
    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate)
    service = make_service(recording, api_keys="", max_queue=64, workers=2)
    service._slots.acquire()
    service._slots.acquire()  # both slots busy while the two requests queue
    threads, results = _run_concurrently(service, ["Kalimat pertama.", "Kalimat kedua."])
    _wait_until_queued(service, 2)
    service._slots.release()
    assert recording.entered.wait(timeout=30)  # one holder is in the model with both requests
    assert not service._pending
    service._slots.release()  # the other request gets a slot now, its sentences already taken
    threading.Event().wait(0.2)
    gate.set()
    for t in threads:
        t.join(timeout=60)
    assert len(recording.calls) == 1 and recording.calls[0][0] == ["Kalimat pertama.", "Kalimat kedua."]
    assert results == recording.calls[0][1]


class _Stop(BaseException):
    """Stands for KeyboardInterrupt and the like (not an Exception), without pytest's own handling of those."""


def test_an_interrupt_in_an_older_group_stops_the_slot_holder(translators, monkeypatch):
    """An error that is not an Exception fails the group's requests and is raised in the slot holder, which does
    not go on to translate its own request."""
    from ui.service import _Job

    class Interrupted(Recording):
        def translate(self, sentences):
            self.calls.append((list(sentences), []))
            raise _Stop

    monkeypatch.setenv("KABAR_GROUP_SENTENCES", "1")
    recording = Interrupted(translators("marian", "ct2"))
    service = make_service(recording, api_keys="", max_queue=64)
    older = _Job(["Kalimat yang menunggu lebih lama."])
    service._pending.append(older)
    with pytest.raises(_Stop):
        service.translate_texts(["Kalimat saya sendiri."])
    assert isinstance(older.error, _Stop) and older.done.is_set()
    assert [inputs for inputs, _ in recording.calls] == [["Kalimat yang menunggu lebih lama."]]  # not its own
    assert not service._pending


def test_a_request_longer_than_the_group_limit_is_translated_whole(translators, monkeypatch):
    """A group always takes at least one request, however long: a request over the limit is one call of its own,
    no sentence dropped, and the slot holder never spins on an empty group (bounded by a thread join)."""
    from ui.service import _Job

    monkeypatch.setenv("KABAR_GROUP_SENTENCES", "1")
    recording = Recording(translators("marian", "ct2"))
    service = make_service(recording, api_keys="", max_queue=64)
    older = _Job([f"Kalimat lama nomor {n}." for n in range(3)])
    service._pending.append(older)
    own = [f"Kalimat saya nomor {n}." for n in range(2)]
    threads, results = _run_concurrently(service, [" ".join(own)])
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert [inputs for inputs, _ in recording.calls] == [older.sentences, own]
    assert older.result == recording.calls[0][1] and len(older.result) == 3
    assert results == [" ".join(recording.calls[1][1])]
    assert not service._pending


@pytest.mark.parametrize(("cap", "calls_after_the_first"), [(4, [4]), (3, [3, 1])])
def test_a_group_takes_sentences_up_to_its_cap_inclusive(translators, monkeypatch, cap, calls_after_the_first):
    """Four one-sentence requests wait while the first holds the model: with a cap of 4 they are one call (the
    cap is reached, not passed); with a cap of 3, a call of 3 and one of 1."""
    monkeypatch.setenv("KABAR_GROUP_SENTENCES", str(cap))
    gate = threading.Event()
    recording = Recording(translators("marian", "ct2"), gate)
    service = make_service(recording, api_keys="", max_queue=64)
    first, _ = _run_concurrently(service, ["Kalimat awal."])
    assert recording.entered.wait(30)  # the first request holds the model at the gate
    threads, results = _run_concurrently(service, [f"Kalimat nomor {n}." for n in range(4)])
    _release_when_waiting(service, gate, first + threads, 4)
    assert [len(inputs) for inputs, _ in recording.calls] == [1, *calls_after_the_first]
    assert all(isinstance(r, str) for r in results)
