"""PySide6 6.12 drops a reference to True on every ``emit()`` from Python (and one to None on
every ``processEvents()``): a window that emits some hundreds of signals crashed with "Fatal
Python error: bool_dealloc" (the 50,000-case list benchmark did, scrolling filtered lists).
``desktop.qt`` pins the singletons; these emit far more signals than the count ever had."""

from desktop.qt import QApplication, QObject, Signal


class _Emitter(QObject):
    sig_done = Signal()
    sig_text = Signal(str)


def test_many_signals_and_event_loop_turns_do_not_free_true_or_none(qapp):
    emitter = _Emitter()
    seen: list[str] = []
    emitter.sig_text.connect(seen.append)
    for n in range(20_000):
        emitter.sig_done.emit()
        emitter.sig_text.emit("x")
        if n % 10 == 0:
            QApplication.processEvents()
    assert len(seen) == 20_000 and True is not False and None is None
