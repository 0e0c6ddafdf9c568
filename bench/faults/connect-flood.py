import socket, time, sys
socks=[]
for i in range(600):
    s=socket.socket(); s.settimeout(2)
    try:
        s.connect(("127.0.0.1",6831)); socks.append(s)
    except Exception as e:
        print("connect fail", i, e); break
print("opened", len(socks))
time.sleep(6)
