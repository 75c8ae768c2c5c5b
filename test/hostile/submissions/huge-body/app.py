import socket, threading
CHUNK = b"x" * 65536

def answer(connection):
    try:
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 500000032\r\n\r\n")
        connection.sendall(b"Hello, Docker Multi-Stage Build!")
        for _ in range(500000000 // len(CHUNK)):
            connection.sendall(CHUNK)
    except OSError:
        pass
    finally:
        connection.close()

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", 5000))
server.listen(100)
while True:
    connection, _ = server.accept()
    threading.Thread(target=answer, args=(connection,), daemon=True).start()
