#!/usr/bin/env python3
"""The qosic-mock binary's resident memory with its cap of request bodies in flight filled.

Usage: python3 benches/mock_body_memory.py PATH/TO/qosic-mock [BODIES] [BODY_BYTES]

Starts the binary, opens BODIES connections (64) that each declare a body of BODY_BYTES
(1 MiB, the default --max-body) and send all of it but the last byte, so that 64 MiB of
bodies are held at once; reads the mock's resident set (VmRSS) and its peak (VmHWM) from
/proc; then sends the last bytes, reads the answers, closes, and reads the resident set
again. Runs twice: bodies with a Content-Length, then chunked bodies (no declared length).
Not a test: it prints figures (issue 22, "count what the cap promises").
"""

import socket
import subprocess
import sys
import time


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def round_trip(port, count, size, chunked, pid):
    head = "POST /QosicBridge/user/requestpayment HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    head += "authorization: Basic bWVyY2hhbnQ6cGFzc3dvcmQ=\r\n"
    body = b"{" + b" " * (size - 2)
    conns = []
    for _ in range(count):
        s = connect(port)
        if chunked:
            s.sendall((head + "transfer-encoding: chunked\r\n\r\n").encode())
            step = 64 * 1024
            for i in range(0, len(body), step):
                part = body[i : i + step]
                s.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        else:
            s.sendall((head + f"content-length: {size}\r\n\r\n").encode())
            s.sendall(body)
        conns.append(s)
    time.sleep(1.5)
    held = status(pid)
    for s in conns:
        if chunked:
            s.sendall(b"1\r\n}\r\n0\r\n\r\n")
        else:
            s.sendall(b"}")
    answers = []
    for s in conns:
        s.settimeout(30)
        answers.append(s.recv(64).split(b"\r\n", 1)[0].decode())
        s.close()
    time.sleep(1.5)
    after = status(pid)
    return held, after, answers


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 1024 * 1024
    for chunked in (False, True):
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
            time.sleep(0.3)
            before = status(proc.pid)
            held, after, answers = round_trip(port, count, size, chunked, proc.pid)
            codes = sorted(set(a.split(" ")[1] if " " in a else a for a in answers))
            print(
                f"{'chunked' if chunked else 'content-length'}: {count} bodies of {size} bytes; "
                f"RSS before {before['VmRSS']:.1f} MiB, held {held['VmRSS']:.1f} MiB, "
                f"peak {held['VmHWM']:.1f} MiB, after {after['VmRSS']:.1f} MiB; "
                f"answers {codes}"
            )
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
