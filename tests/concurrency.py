"""Run calls at the same instant in real threads, each on its own database connection.

On PostgreSQL the rows are locked inside each transaction; on SQLite every write
transaction begins IMMEDIATE and waits for the previous one. The tests that use
this need the committed database (``transactional_db``).
"""

import threading

from django.db import connection


def run_together(calls, *, refused=()):
    """Call each of ``calls`` in its own thread, all released together.

    Each result is ``("ok", value)``, ``("refused", message)`` for an exception of a
    type in ``refused``, or fails the test with any other exception.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def work(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except refused as error:
            results[index] = ("refused", str(error))
        except Exception as error:  # noqa: BLE001 (reported below, to fail the test with its cause)
            results[index] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting"
    assert not [result for result in results if result[0] == "error"], results
    return results
