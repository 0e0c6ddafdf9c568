import socket, sys, time
# Joins #bench and never reads again; prints when the server closes it.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"NICK slowpoke\r\nUSER s 0 * :s\r\nJOIN #bench\r\n")
time.sleep(float(sys.argv[2]))
try:
    s.setblocking(False)
    data = b""
    while True:
        try:
            chunk = s.recv(1 << 20)
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
    print("slowreader: got", len(data), "bytes; ERROR line:", [l for l in data.split(b"\r\n") if l.startswith(b"ERROR")][-1:])
except Exception as e:
    print("slowreader:", e)
