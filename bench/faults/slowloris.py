import socket, time, threading, sys
port = int(sys.argv[1]); n = int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"N"); socks.append(s)
stop = False
def drip():
    while not stop:
        for s in socks:
            try: s.sendall(b"I")
            except Exception: pass
        time.sleep(1)
t = threading.Thread(target=drip); t.start()
time.sleep(3)
times = []
for k in range(5):
    t0 = time.perf_counter()
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"NICK real%d\r\nUSER r 0 * :r\r\n" % k)
    buf = b""
    while b" 001 " not in buf:
        buf += c.recv(4096)
    times.append((time.perf_counter() - t0) * 1000)
    c.close()
stop = True; t.join()
print("slowloris=%d registration ms: %s" % (n, ", ".join("%.1f" % x for x in times)))
