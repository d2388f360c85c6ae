#!/usr/bin/env python3
"""The qosic-mock binary's resident memory with its cap of request bodies in flight filled.

Usage: python3 benches/mock_body_memory.py PATH/TO/qosic-mock [BODIES] [BODY_BYTES]

Starts the binary, opens BODIES connections (64) that each declare a body of BODY_BYTES
(1 MiB, the default --max-body) and send all of it but the last byte, so that 64 MiB of
bodies are held at once; reads the mock's resident set (VmRSS) and its peak (VmHWM) from
/proc; then sends the last bytes, reads the answers, closes, and reads the resident set
again, three rounds in one process. Runs three processes: bodies with a Content-Length, then chunked bodies (no declared
length) in 64 KiB chunks, then in 1 KiB chunks.
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


def round_trip(port, count, size, chunked, pid, step):
    head = "POST /QosicBridge/user/requestpayment HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    # merchant:secret, the default credentials: the bodies are read, parsed and journaled.
    head += "authorization: Basic bWVyY2hhbnQ6c2VjcmV0\r\n"
    conns = []
    for n in range(count):
        # A payment whose reference pads it to the size, the closing brace sent last.
        body = b'{"msisdn":"22997000001","amount":"100","clientid":"MTN_CLIENT","transref":"'
        body += b"%06d" % n + b"x" * (size - len(body) - 8) + b'"'
        s = connect(port)
        if chunked:
            s.sendall((head + "transfer-encoding: chunked\r\n\r\n").encode())
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
    # (name, chunked, chunk size): whole writes, 64 KiB chunks, then 1 KiB chunks each sent
    # on its own (hyper hands out small frames that share its read buffer).
    for name, chunked, step in (
        ("content-length", False, 0),
        ("chunked 64 KiB", True, 64 * 1024),
        ("chunked 1 KiB", True, 1024),
    ):
        proc = subprocess.Popen([binary], stdout=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
            time.sleep(0.3)
            before = status(proc.pid)
            # Three rounds in one process: the first from a fresh heap, the others reusing it.
            for round in range(1, 4):
                held, after, answers = round_trip(port, count, size, chunked, proc.pid, step)
                codes = sorted(set(a.split(" ")[1] if " " in a else a for a in answers))
                print(
                    f"{name}, round {round}: {count} bodies of {size} bytes; "
                    f"RSS before {before['VmRSS']:.1f} MiB, held {held['VmRSS']:.1f} MiB, "
                    f"peak {held['VmHWM']:.1f} MiB, after {after['VmRSS']:.1f} MiB; "
                    f"answers {codes}",
                    flush=True,
                )
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
