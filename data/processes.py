"""Worker processes for the bulk loads' CPU-bound Python work (an import's line checks,
a seed's gram counts): Python runs one thread at a time, so a second core is only used
by a second process."""
import multiprocessing
import os
import threading

PROCESSES = 2  # the machines it runs on have two cores or so; the main process reads and writes


def pool(initializer=None, initargs=()):
    """A ``multiprocessing`` pool of ``PROCESSES`` workers, or None where none can help (one
    core) or start (a daemon process, such as a job worker's, may not have children).

    Start it before any thread of one's own (a text index's helper): forking copies only
    the calling thread, and in a process with other threads (the job worker's, a web
    server's) a lock one of them held would stay locked in the child for good. There the
    workers start from a clean server process instead (slower to start).
    """
    if (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon:
        return None
    method = "fork" if threading.active_count() == 1 else "forkserver"
    return multiprocessing.get_context(method).Pool(PROCESSES, initializer, initargs)
