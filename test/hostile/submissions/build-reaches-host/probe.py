import os
import socket

# The default route's gateway is the engine's host on its default bridge (172.17.0.1 when there is no route).
gateway = "172.17.0.1"
with open("/proc/net/route") as routes:
    for line in routes.read().splitlines()[1:]:
        fields = line.split()
        if fields[1] == "00000000":
            gateway = socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
print("interfaces:", sorted(os.listdir("/sys/class/net")), "calling", gateway)
with socket.create_connection((gateway, 47123), timeout=5) as connection:
    connection.sendall(b"a build step\n")
    print("the host answered:", connection.recv(200).decode())
