import socket, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", 5000))
server.listen(100)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)  # never read, never answered, never closed
