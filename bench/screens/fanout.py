#!/usr/bin/env python3
"""Fan-out latency of passport-screens' display events (bench/screens/run).

Opens N event streams of one display (/display/{office}/events), waits for
each stream's first board, then makes the board change CALLS times through
SQL sent to a psql process kept open (the counter of a called ticket
changes and passport_queue is notified with the office number in the same
transaction, as the queue functions do) and measures, for every change, the time from sending the statement until
the board reached the last of the N streams. Prints one line:
"N p50_ms p90_ms max_ms" of that last-arrival latency.

Usage: fanout.py HOST PORT OFFICE N CALLS TICKET
"""
import socket
import statistics
import subprocess
import sys
import threading
import time


def stream(host, port, office, arrivals, ready, index):
    """Reads one event stream and notes when each board arrives."""
    sock = socket.create_connection((host, port))
    sock.sendall(('GET /display/%s/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n'
                  % (office, host)).encode())
    buf = b''
    boards = 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk
        while b'\nevent: board\n' in buf or buf.startswith(b'event: board\n'):
            cut = buf.find(b'event: board\n')
            end = buf.find(b'\n\n', cut)
            if end < 0:
                break
            now = time.monotonic()
            buf = buf[end + 2:]
            if boards == 0:
                ready.release()
            else:
                arrivals[index].append(now)
            boards += 1


def main():
    host, port, office = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    n, calls, ticket = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    arrivals = [[] for _ in range(n)]
    ready = threading.Semaphore(0)
    for i in range(n):
        threading.Thread(target=stream, args=(host, port, office, arrivals, ready, i), daemon=True).start()
    for _ in range(n):
        if not ready.acquire(timeout=30):
            sys.exit('streams did not start')
    psql = subprocess.Popen(['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1'], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    time.sleep(0.5)
    latencies = []
    for c in range(calls):
        start = time.monotonic()
        psql.stdin.write("BEGIN; UPDATE passport.queue_ticket SET counter = 'Loket %d'"
                         " WHERE office_id = passport.office_id('%s') AND code = '%s' AND status = 'called';"
                         " SELECT pg_notify('passport_queue', passport.office_id('%s')::text); COMMIT;\n"
                         % (10 + c % 2, office, ticket, office))
        psql.stdin.flush()
        deadline = start + 10
        while any(len(a) <= c for a in arrivals) and time.monotonic() < deadline:
            time.sleep(0.0005)
        if any(len(a) <= c for a in arrivals):
            sys.exit('a board did not arrive within 10 s')
        latencies.append((max(a[c] for a in arrivals) - start) * 1000)
        time.sleep(0.05)
    psql.stdin.close()
    psql.wait()
    latencies.sort()
    print('%d %.2f %.2f %.2f' % (n, statistics.median(latencies),
                                 latencies[int(0.9 * (len(latencies) - 1))], latencies[-1]))


if __name__ == '__main__':
    main()
